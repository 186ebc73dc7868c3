import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duration } from '../../../app/cli/forecast.js';
import { startDashboard } from '../../../app/dashboard/server.js';
import type { Dashboard } from '../../../app/dashboard/types.js';
import { DuckDbHistorySource } from '../../../processors/forecast/DuckDbHistorySource.js';
import { createForecaster, type Forecaster } from '../../../processors/forecast/forecaster.js';
import type { FleetForecast, MachineForecast } from '../../../processors/forecast/types.js';
import { STORE_FILE } from '../../../processors/store/constants.js';
import { type DuckDbStore, openDuckDbStore } from '../../../processors/store/openDuckDbStore.js';
import { writeForecastStore } from '../../fixtures/forecastStore.js';

// The page as `pfm ui` serves it with the forecaster: the "Due" column and a machine's forecast curve, in
// headless Chromium (Debian's chromium; scripts/test-deps.sh installs it as root).

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);

describe.skipIf(!hasChromium)('dashboard forecast in a browser', () => {
  let dataDir: string;
  let userDataDir: string;
  let store: DuckDbStore;
  let forecasts: Forecaster;
  let forecast: FleetForecast;
  let dashboard: Dashboard;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pfm-dash-forecast-'));
    userDataDir = mkdtempSync(join(tmpdir(), 'pfm-dash-forecast-chromium-'));
    await writeForecastStore(dataDir);
    store = await openDuckDbStore(join(dataDir, STORE_FILE), { readOnly: true });
    forecasts = createForecaster(new DuckDbHistorySource(store.database), {
      cacheMs: Number.POSITIVE_INFINITY,
    });
    forecast = (await forecasts.latestForecast()) as FleetForecast;
    dashboard = await startDashboard({ queries: store.fleetQueries, forecasts, dataDir, port: 0 });
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1440, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    await page.goto(dashboard.url);
    await page.waitForSelector('body[data-ready="true"][data-forecast-ready="true"]', {
      state: 'attached',
      timeout: 30_000,
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await dashboard?.close();
    await forecasts?.close();
    await store?.close();
    for (const dir of [dataDir, userDataDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const dueCells = () =>
    page.$$eval('#machines tbody tr', (trs) =>
      trs.map((tr): [string, string | null] => [
        tr.getAttribute('data-device') ?? '',
        tr.querySelector('td.due')?.textContent ?? null,
      ]),
    );

  it('shows every machine\'s due time from the forecast in the "Due" column', async () => {
    const cells = new Map(await dueCells());
    expect(cells.size).toBe(9);
    for (const m of forecast.machines) {
      const expected =
        m.status !== 'ok'
          ? 'n/a'
          : m.dueAt === null
            ? `> ${forecast.settings.horizonMs / 3_600_000} h`
            : duration(m.dueAt - m.asOf);
      expect(cells.get(m.deviceId)).toBe(expected);
    }
  });

  it('sorts by the "Due" column, soonest first', async () => {
    await page.click('#machines th[data-key="dueAt"]');
    await page.waitForFunction(
      () => document.querySelector('#machines th[data-key="dueAt"].sorted') !== null,
    );
    const order = (await dueCells()).map(([id]) => id);
    const soonest = forecast.machines
      .filter((m): m is MachineForecast => m.status === 'ok' && m.dueAt !== null)
      .sort((a, b) => (a.dueAt as number) - (b.dueAt as number) || a.deviceId.localeCompare(b.deviceId));
    expect(order[0]).toBe(soonest[0]?.deviceId);
    expect(order.at(-1)).toBe('M-0099');
  });

  it("draws the open machine's forecast curve under its history, with its due time", async () => {
    const m = forecast.machines.find((x): x is MachineForecast => x.status === 'ok' && x.dueAt !== null);
    await page.click(`#machines tbody tr[data-device="${m?.deviceId}"]`);
    await page.waitForFunction(
      (id) => document.querySelector('#detail-title')?.textContent === `Machine ${id}`,
      m?.deviceId,
    );
    await page.waitForSelector('#chart-forecast canvas');
    expect(await page.textContent('#forecast-note')).toContain(
      `due in ${duration((m?.dueAt ?? 0) - (m?.asOf ?? 0))}`,
    );
    await page.click('#machines tbody tr[data-device="M-0099"]');
    await page.waitForFunction(() =>
      document.querySelector('#forecast-note')?.textContent?.includes('M-0099'),
    );
    expect(await page.textContent('#forecast-note')).toMatch(/no forecast for M-0099: only 5 reading\(s\)/);
    expect(problems).toEqual([]);
  });
});
