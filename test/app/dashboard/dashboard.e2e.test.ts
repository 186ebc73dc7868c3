import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RISK_WINDOW } from '../../../app/dashboard/constants.js';
import { startDashboard } from '../../../app/dashboard/server.js';
import type { Dashboard } from '../../../app/dashboard/types.js';
import { type PipelineSummary, runLocalPipeline } from '../../../app/pipeline/localPipeline.js';
import { EVENT_LOG_FILE } from '../../../processors/drift/LocalEventLog.js';
import type { DriftEvent } from '../../../processors/drift/types.js';
import { STORE_FILE } from '../../../processors/store/constants.js';
import { type DuckDbStore, openDuckDbStore } from '../../../processors/store/openDuckDbStore.js';
import { CHROMIUM, requireEngine, skipWithout } from '../../helpers/engines.js';

// End to end: a short pipeline run with injected drift, then the page over what it left (as `pfm ui --data`
// serves it), opened in headless Chromium. Debian's chromium (scripts/test-deps.sh installs it as root).

const skip = skipWithout(CHROMIUM, 'the dashboard browser test (test/app/dashboard/dashboard.e2e.test.ts)');
const SCREENSHOT = join(import.meta.dirname, '../../../test-output/dashboard.png');

describe.skipIf(skip)('dashboard in a browser, over a pipeline run with drift', () => {
  let dataDir: string;
  let userDataDir: string;
  let summary: PipelineSummary;
  let store: DuckDbStore;
  let dashboard: Dashboard;
  let context: BrowserContext;
  let page: Page;
  const requests: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    // Before the pipeline run: on CI a missing browser fails here at once, naming what to install.
    const executablePath = requireEngine(CHROMIUM);
    dataDir = mkdtempSync(join(tmpdir(), 'pfm-dash-e2e-'));
    userDataDir = mkdtempSync(join(tmpdir(), 'pfm-dash-chromium-'));
    const startTime = Date.now() - 3_600_000;
    summary = await runLocalPipeline({
      dataDir,
      machines: 20,
      records: 3000,
      rate: 0,
      shards: 2,
      seed: 8,
      startTime,
      intervalMs: 1000,
      // Half the fleet's torque sensors read 10 Nm high from their 51st reading on (1,000 readings in).
      drift: [
        {
          feature: 'torqueNm',
          kind: 'offset',
          amount: 10,
          machines: Array.from({ length: 10 }, (_, i) => `M-${String(i + 1).padStart(4, '0')}`),
          fromTime: startTime + 50_000,
        },
      ],
      driftWindowRecords: 500,
      poisonRate: 0.005,
      batchSize: 500,
      batchingWindowMs: 20,
    });
    store = await openDuckDbStore(join(dataDir, STORE_FILE), { readOnly: true });
    dashboard = await startDashboard({ queries: store.fleetQueries, dataDir, port: 0 });
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      viewport: { width: 1440, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    await page.goto(dashboard.url);
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached', timeout: 30_000 });
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await dashboard?.close();
    await store?.close();
    for (const dir of [dataDir, userDataDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the machines most at risk, in the order the store ranks them', async () => {
    expect(summary.accountedFor).toBe(true);
    const top = await store.fleetQueries.topAtRisk({ limit: 5, window: RISK_WINDOW });
    const rows = await page.$$eval('#machines tbody tr', (trs) =>
      trs.map((tr) => tr.getAttribute('data-device')),
    );
    expect(rows).toHaveLength(20);
    expect(rows.slice(0, 5)).toEqual(top.map((m) => m.deviceId));
    const firstRisk = await page.textContent('#machines tbody tr:first-child .riskval');
    expect(firstRisk).toBe(`${Math.round((top[0]?.risk ?? 0) * 100)}%`);
    // The riskiest machine's history is open beside the table.
    expect(await page.textContent('#detail-title')).toBe(`Machine ${top[0]?.deviceId}`);
  });

  it('shows the drift state and every drift event the monitor logged', async () => {
    const events = readFileSync(join(dataDir, EVENT_LOG_FILE), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as DriftEvent);
    const detections = events.filter((e) => e.detailType === 'FeatureDriftDetected');
    expect(detections.length).toBeGreaterThan(0);
    const shown = await page.$$eval('#events li', (lis) => lis.map((li) => li.getAttribute('data-event-id')));
    expect([...shown].sort()).toEqual(events.map((e) => e.detail.eventId).sort());
    const torqueEvent = detections.find((e) => e.detail.topFeatures.some((f) => f.feature === 'torque_nm'));
    expect(torqueEvent).toBeDefined();
    expect(await page.textContent(`#events li[data-event-id="${torqueEvent?.detail.eventId}"]`)).toContain(
      'Torque',
    );
    expect(await page.textContent('#drift-pill')).toBe(
      { OK: 'no drift', WARN: 'drift warning', DRIFT: 'drift detected' }[summary.drift?.fleet ?? 'OK'],
    );
    // One panel per model feature, torque among them, each with its windows charted.
    const features = await page.$$eval('#drift-grid .feature', (els) =>
      els.map((e) => e.getAttribute('data-feature')),
    );
    expect(features).toContain('torque_nm');
    expect(await page.$$('#drift-grid canvas')).toHaveLength(features.length);
  });

  it('was drawn without errors, from 127.0.0.1 only, and saved as test-output/dashboard.png', async () => {
    expect(problems).toEqual([]);
    expect(requests.length).toBeGreaterThan(5);
    for (const url of requests) expect(new URL(url).hostname).toBe('127.0.0.1');
    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(readFileSync(SCREENSHOT).subarray(1, 4).toString()).toBe('PNG');
  });

  it('sorts the table by a clicked column and opens a clicked machine', async () => {
    await page.click('#machines th[data-key="deviceId"]');
    const sorted = await page.$$eval('#machines tbody tr', (trs) =>
      trs.map((tr) => tr.getAttribute('data-device')),
    );
    expect(sorted).toEqual([...sorted].sort());
    await page.click('#machines tbody tr[data-device="M-0020"]');
    await page.waitForFunction(
      () => document.querySelector('#detail-title')?.textContent === 'Machine M-0020',
    );
    expect(await page.getAttribute('#machines tbody tr.selected', 'data-device')).toBe('M-0020');
    expect(problems).toEqual([]);
  });

  it('draws a pipeline that has only just started: live, empty, without errors', async () => {
    const empty = await openDuckDbStore(':memory:');
    const starting = await startDashboard({
      queries: empty.fleetQueries,
      dataDir: userDataDir,
      port: 0,
      live: { progress: () => undefined },
    });
    const tab = await context.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(e.message));
    try {
      await tab.goto(starting.url);
      await tab.waitForSelector('body[data-ready="true"]', { state: 'attached', timeout: 30_000 });
      expect(await tab.textContent('#run-pill')).toBe('live');
      expect(await tab.isVisible('#machines-empty')).toBe(true);
      expect(await tab.isVisible('#drift-empty')).toBe(true);
      expect(await tab.isVisible('#events-empty')).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await tab.close();
      await starting.close();
      await empty.close();
    }
  });
});
