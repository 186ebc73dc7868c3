import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RISK_WINDOW } from '../../../app/dashboard/constants.js';
import { startDashboard } from '../../../app/dashboard/server.js';
import type { Dashboard } from '../../../app/dashboard/types.js';
import { type PipelineSummary, runLocalPipeline } from '../../../app/pipeline/localPipeline.js';
import { planReadingTime } from '../../../app/pipeline/readingTime.js';
import type { DriftEvent } from '../../../processors/drift/types.js';
import { EVENT_LOG_FILE } from '../../../processors/events/LocalEventLog.js';
import { STORE_FILE } from '../../../processors/store/constants.js';
import { type DuckDbStore, openDuckDbStore } from '../../../processors/store/openDuckDbStore.js';
import { CHROMIUM, requireEngine, skipWithout } from '../../helpers/engines.js';

// End to end: a short pipeline run with injected drift, then the page over what it left (as `pfm ui --data`
// serves it), opened in headless Chromium. Debian's chromium (scripts/test-deps.sh installs it as root).

const skip = skipWithout(CHROMIUM, 'the dashboard browser test (test/app/dashboard/dashboard.e2e.test.ts)');
const SCREENSHOTS = join(import.meta.dirname, '../../../test-output');
/** What the page exposes for inspection (app.js sets globalThis.pfmDashboard): its uPlot charts by element id. */
interface PagePlot {
  series: { label?: string }[];
  data: unknown[][];
  axes: { _splits?: number[] }[];
}
type Inspectable = { pfmDashboard: { charts: Map<string, { plot: PagePlot }> } };

/** The widths the page is checked at: a laptop screen, and a narrow window where the grid is one column. */
const WIDTHS = [1400, 800] as const;

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
    // 3,000 readings of 20 machines, each every 5 to 10 min, ending now: about 19 h of reading time.
    const fleet = { machines: 20, seed: 8, intervalMs: 5 * 60_000, maxIntervalMs: 10 * 60_000 };
    const time = planReadingTime(fleet, { now: Date.now(), records: 3000 });
    const span = (time.end ?? 0) - time.start;
    summary = await runLocalPipeline({
      dataDir,
      ...fleet,
      records: 3000,
      rate: 0,
      shards: 2,
      startTime: time.start,
      // Half the fleet's torque sensors read 10 Nm high from a third of the way in.
      drift: [
        {
          feature: 'torqueNm',
          kind: 'offset',
          amount: 10,
          machines: Array.from({ length: 10 }, (_, i) => `M-${String(i + 1).padStart(4, '0')}`),
          fromTime: time.start + Math.round(span / 3),
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
      viewport: { width: WIDTHS[0], height: 900 },
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

  it('was drawn without errors, from 127.0.0.1 only', async () => {
    expect(problems).toEqual([]);
    expect(requests.length).toBeGreaterThan(5);
    for (const url of requests) expect(new URL(url).hostname).toBe('127.0.0.1');
  });

  it('draws the alarm threshold on the risk chart, at the model any-failure threshold', async () => {
    const threshold = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../../model/artifacts/thresholds.json'), 'utf8'),
    ).ANY as number;
    const line = await page.evaluate(() => {
      const plot = (globalThis as unknown as Inspectable).pfmDashboard.charts.get('chart-risk')
        ?.plot as PagePlot;
      const index = plot.series.findIndex((s: { label?: string }) => s.label === 'alarm threshold');
      return { index, values: [...new Set(plot.data[index])] };
    });
    expect(line.index).toBeGreaterThan(0);
    expect(line.values).toEqual([threshold]);
    expect(await page.textContent('#detail-legend')).toContain(
      `alarm threshold ${Math.round(threshold * 100)}%`,
    );
  });

  it('gives every small chart more than one tick, and alarm counts a chart of their own', async () => {
    const ticks = await page.evaluate(() => {
      const charts = (globalThis as unknown as Inspectable).pfmDashboard.charts;
      return [...charts.entries()].map(([id, { plot }]) => [id, plot.axes[1]?._splits?.length ?? 0] as const);
    });
    const small = ticks.filter(
      ([id]) =>
        id.startsWith('drift-') || ['chart-torque', 'chart-wear', 'chart-speed', 'chart-dt'].includes(id),
    );
    expect(small.length).toBeGreaterThanOrEqual(8);
    for (const [id, n] of small) expect(n, id).toBeGreaterThan(1);
    // Counts on a count axis, probabilities on a percent axis: two charts, not one with a shared axis.
    const fleet = await page.evaluate(() => {
      const charts = (globalThis as unknown as Inspectable).pfmDashboard.charts;
      const labels = (id: string) =>
        charts
          .get(id)
          ?.plot.series.slice(1)
          .map((s) => s.label);
      return { alarms: labels('chart-fleet-alarms'), risk: labels('chart-fleet-risk') };
    });
    expect(fleet).toEqual({ alarms: ['alarms'], risk: ['mean risk'] });
  });

  it('shows each drift statistic of the last window against its limit', async () => {
    const stats = await page.$$eval('#drift-grid .feature', (els) =>
      els.map((e) => [e.getAttribute('data-feature'), e.querySelector('.fstats')?.textContent ?? '']),
    );
    expect(stats.length).toBeGreaterThan(5);
    for (const [feature, text] of stats) {
      expect(text, feature ?? '').toMatch(/shift [+−]\d+\.\d\d sd \/ ±\d+\.\d\d/);
      expect(text, feature ?? '').toMatch(/PSI \d+\.\d{3} \/ \d+\.\d{3}/);
      // An indicator's variance is reported, not tested (the monitor tests its rate): no limit beside it.
      if (feature === 'delta_below_hdf_limit') {
        expect(text, feature).toMatch(/var ×\d+\.\d\d/);
        expect(text, feature).not.toMatch(/var ×\d+\.\d\d \//);
      } else expect(text, feature ?? '').toMatch(/var ×\d+\.\d\d \/ \d+\.\d\d–\d+\.\d\d/);
      expect(text, feature ?? '').toMatch(/CUSUM \d+\.\d\d \/ 1/);
    }
    // The drifted torque is past its limit and says so.
    expect(await page.getAttribute('#box-drift-torque_nm .fstats .stat', 'class')).toContain('over');
  });

  it.each(WIDTHS)(
    'fits a %i px window: no column clipped, no subtitle cut (screenshot in test-output/)',
    async (width) => {
      await page.setViewportSize({ width, height: 900 });
      await page.waitForFunction((w) => Math.abs(document.documentElement.clientWidth - w) < 20, width, {
        timeout: 10_000,
      });
      // Let the charts follow the new width.
      await page.waitForTimeout(300);
      const layout = await page.evaluate(() => {
        const wrap = document.querySelector('.table-wrap') as HTMLElement;
        const speed = document.querySelector('#machines th[data-key="rotationalSpeedRpm"]') as HTMLElement;
        const cut = [
          ...document.querySelectorAll(
            '.kpi .sub, .kpi .value, .feature .fname, .feature .fsub, .feature .fstats, .mini-title, .panel-head h2, .event .emeta',
          ),
        ]
          .filter((e) => (e as HTMLElement).scrollWidth > (e as HTMLElement).clientWidth + 1)
          .map((e) => e.textContent);
        return {
          overflow: wrap.scrollWidth - wrap.clientWidth,
          speedRight: speed.getBoundingClientRect().right,
          wrapRight: wrap.getBoundingClientRect().right,
          pageOverflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
          cut,
        };
      });
      expect(layout.overflow).toBeLessThanOrEqual(0);
      expect(layout.speedRight).toBeLessThanOrEqual(layout.wrapRight + 0.5);
      expect(layout.pageOverflow).toBeLessThanOrEqual(0);
      expect(layout.cut).toEqual([]);
      mkdirSync(SCREENSHOTS, { recursive: true });
      const path = join(SCREENSHOTS, `dashboard-${width}.png`);
      await page.screenshot({ path, fullPage: true });
      expect(readFileSync(path).subarray(1, 4).toString()).toBe('PNG');
      await page.setViewportSize({ width: WIDTHS[0], height: 900 });
    },
  );

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
