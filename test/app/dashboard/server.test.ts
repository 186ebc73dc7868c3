import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_DASHBOARD_PORT,
  QUERY_LOAD_FACTOR,
  RESULT_TTL_MS,
  RISK_WINDOW,
} from '../../../app/dashboard/constants.js';
import { startDashboard } from '../../../app/dashboard/server.js';
import type {
  Dashboard,
  DriftView,
  EventsView,
  FleetView,
  MachineDetailView,
  MachinesView,
  StatusView,
} from '../../../app/dashboard/types.js';
import type { PipelineProgress } from '../../../app/pipeline/localPipeline.js';
import { EVENT_LOG_FILE } from '../../../processors/events/LocalEventLog.js';
import { type DuckDbStore, openDuckDbStore } from '../../../processors/store/openDuckDbStore.js';
import type { FleetQueries } from '../../../processors/store/types.js';
import { makePrediction } from '../../fixtures/predictions.js';
import { driftEvent, driftRow, progress, reference, snapshot } from './fixtures.js';

// The HTTP side: each endpoint fetched from a real server on 127.0.0.1 over a real (in-memory) DuckDB store.

let store: DuckDbStore;
let dataDir: string;
const dashboards: Dashboard[] = [];

async function start(options: Partial<Parameters<typeof startDashboard>[0]> = {}): Promise<Dashboard> {
  const dashboard = await startDashboard({
    queries: store.fleetQueries,
    dataDir,
    port: 0,
    reference: reference(),
    ...options,
  });
  dashboards.push(dashboard);
  return dashboard;
}

async function get<T>(dashboard: Dashboard, path: string): Promise<T> {
  const res = await fetch(new URL(path, dashboard.url));
  expect(res.status, `${path}: ${res.status}`).toBe(200);
  return (await res.json()) as T;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pfm-dash-server-'));
  store = await openDuckDbStore(':memory:');
  // Five machines, ten readings each; machine k's risk is k/10, and M-0005 raised one alarm.
  await store.predictionSink.writePredictions(
    [1, 2, 3, 4, 5].flatMap((k) =>
      Array.from({ length: 10 }, (_, i) =>
        makePrediction(k * 100 + i, {
          deviceId: `M-000${k}`,
          anyFailureProbability: k / 10,
          failure: k === 5 && i === 9,
          predictedModes: k === 5 && i === 9 ? ['OSF'] : [],
          source: {
            eventId: `s:${k}:${i}`,
            sequenceNumber: String(i),
            partitionKey: `M-000${k}`,
            arrivalTime: 0,
          },
        }),
      ),
    ),
  );
  await store.driftScores.writeDriftScores(
    [0, 1].flatMap((w) => [driftRow(w, 'torque_nm'), driftRow(w, 'tool_wear_min')]),
  );
  writeFileSync(
    join(dataDir, EVENT_LOG_FILE),
    [driftEvent(1), driftEvent(2, 'ModelRetrainingRecommended')]
      .map((e) => `${JSON.stringify(e)}\n`)
      .join(''),
  );
  writeFileSync(join(dataDir, 'dead-letter.jsonl'), '{"a":1}\n{"a":2}\n');
});

afterEach(async () => {
  for (const d of dashboards.splice(0)) await d.close();
});

afterAll(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('dashboard server', () => {
  it('binds 127.0.0.1 and serves the page, its script and styles, and uPlot, all locally', async () => {
    const dashboard = await start();
    expect(dashboard.url).toBe(`http://127.0.0.1:${dashboard.port}/`);
    const page = await fetch(dashboard.url);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await page.text();
    expect(html).toContain('<table id="machines">');
    // Nothing is fetched from another origin: every src and href is a local path.
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThan(3);
    for (const ref of refs) {
      expect(ref.startsWith('/'), ref).toBe(true);
      expect((await fetch(new URL(ref, dashboard.url))).status, ref).toBe(200);
    }
    const uplot = await fetch(new URL('/vendor/uPlot.iife.min.js', dashboard.url));
    expect(uplot.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await uplot.text()).toContain('uPlot');
  });

  it('serves a finished run: store counts, machines ranked as the store ranks them, drift and events', async () => {
    const dashboard = await start();
    const status = await get<StatusView>(dashboard, '/api/status');
    expect(status).toMatchObject({ mode: 'finished', running: false, dataDir });
    expect(status.pipeline).toMatchObject({
      scored: 50,
      quarantined: 0,
      deadLettered: 2,
      produced: null,
      devices: 5,
    });

    const machines = await get<MachinesView>(dashboard, '/api/machines');
    const ranked = await store.fleetQueries.topAtRisk({ limit: 100, window: RISK_WINDOW });
    expect(machines.window).toBe(RISK_WINDOW);
    expect(machines.machines.map((m) => m.deviceId)).toEqual(ranked.map((m) => m.deviceId));
    expect(machines.machines.map((m) => m.level)).toEqual([
      'high',
      'elevated',
      'elevated',
      'normal',
      'normal',
    ]);

    const detail = await get<MachineDetailView>(dashboard, '/api/machines/M-0005');
    expect(detail).toMatchObject({ deviceId: 'M-0005', points: 10, alarms: 1 });
    expect(detail.columns.alarm.filter((a) => a !== null)).toEqual([0.5]);
    expect((await get<MachineDetailView>(dashboard, '/api/machines/M-0005?points=3')).points).toBe(3);

    const fleet = await get<FleetView>(dashboard, '/api/fleet');
    expect(fleet.columns.predictions.reduce((a, b) => a + b, 0)).toBe(50);
    expect(fleet.alarmsByMode.OSF).toBe(1);

    const drift = await get<DriftView>(dashboard, '/api/drift');
    expect(drift).toMatchObject({ available: true, fleet: 'OK', windows: null });
    expect(drift.panels.map((p) => [p.feature, p.series.time.length])).toEqual([
      ['torque_nm', 2],
      ['tool_wear_min', 2],
    ]);

    const events = await get<EventsView>(dashboard, '/api/events');
    expect(events.total).toBe(2);
    expect(events.events.map((e) => e.type)).toEqual(['ModelRetrainingRecommended', 'FeatureDriftDetected']);
    expect((await get<EventsView>(dashboard, '/api/events?limit=1')).events).toHaveLength(1);
  });

  it.each([
    ['/api/machines/M-0404', 404, /no predictions for machine M-0404/],
    ['/api/machines/M%27%3B%20DROP', 400, /device id/],
    ['/api/machines/M%E0%A4%A', 400, /percent-encoding/],
    ['/api/events?limit=0', 400, /limit/],
    ['/api/machines/M-0001?points=x', 400, /points/],
    ['/api/nothing', 404, /no such endpoint/],
    ['/secret.txt', 404, /not found/],
  ])('answers %s with %i and a JSON error', async (path, status, message) => {
    const dashboard = await start();
    const res = await fetch(new URL(path, dashboard.url));
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
  });

  it('is read-only and answers only its own host names (no DNS rebinding)', async () => {
    const dashboard = await start();
    const post = await fetch(new URL('/api/status', dashboard.url), { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const withHost = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: dashboard.port, path: '/api/status', headers: { host } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
    expect(await withHost('evil.example:80')).toBe(403);
    expect(await withHost(`localhost:${dashboard.port}`)).toBe(200);
    expect(await withHost(`127.0.0.1:${dashboard.port}`)).toBe(200);
  });

  it('shows a running pipeline: live counters, sampled throughput, the live drift monitor', async () => {
    let current: PipelineProgress | undefined;
    let now = 0;
    const dashboard = await start({
      live: {
        progress: () => current,
        drift: () => snapshot({ fleet: 'WARN' }),
      },
      sampleIntervalMs: 10,
      // Every reading of the clock is a minute later: each poll sees fresh results.
      clock: () => (now += 60_000),
    });
    const before = await get<StatusView>(dashboard, '/api/status');
    expect(before).toMatchObject({ mode: 'live', running: true });
    expect(before.pipeline.produced).toBeNull();
    current = progress({ elapsedMs: 1000, recordsPerSecond: 900 });
    await until(async () => (await get<StatusView>(dashboard, '/api/status')).history.time.length >= 1);
    current = progress({ elapsedMs: 2000, recordsPerSecond: 1200, done: true });
    await until(async () => (await get<StatusView>(dashboard, '/api/status')).history.time.length >= 2);
    const after = await get<StatusView>(dashboard, '/api/status');
    expect(after.running).toBe(false);
    expect(after.history.recordsPerSecond).toEqual([900, 1200]);
    expect(after.pipeline).toMatchObject({ produced: 1000, scored: 900, deadLettered: 1, lagRecords: 94 });
    const drift = await get<DriftView>(dashboard, '/api/drift');
    expect(drift.fleet).toBe('WARN');
    expect(drift.windows).toEqual({ evaluated: 3, windowRecords: 500, openRecords: 120 });

    // After the run: the pipeline hands over to a read-only store; the throughput history stays.
    dashboard.setSources({ queries: store.fleetQueries });
    const finished = await get<StatusView>(dashboard, '/api/status');
    expect(finished.mode).toBe('finished');
    expect(finished.history.recordsPerSecond).toEqual([900, 1200]);
    expect((await get<DriftView>(dashboard, '/api/drift')).fleet).toBe('OK');
  });

  it('falls back to the progress report for the drift snapshot', async () => {
    const dashboard = await start({
      live: { progress: () => progress({ drift: snapshot({ fleet: 'DRIFT' }) }) },
    });
    expect((await get<DriftView>(dashboard, '/api/drift')).fleet).toBe('DRIFT');
  });

  it('asks the store once per key and TTL however many pollers there are', async () => {
    // The TTL is RESULT_TTL_MS, or QUERY_LOAD_FACTOR times a slow query's duration: a minute covers both here.
    let now = 1_000_000;
    const calls: string[] = [];
    const counting = new Proxy(store.fleetQueries, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push(String(key));
          return value.apply(target, args);
        };
      },
    }) as FleetQueries;
    const dashboard = await start({ queries: counting, clock: () => now });
    await Promise.all([1, 2, 3].map(() => get(dashboard, '/api/machines')));
    await get(dashboard, '/api/machines');
    expect(calls.filter((c) => c === 'topAtRisk')).toHaveLength(1);
    now += RESULT_TTL_MS - 1;
    await get(dashboard, '/api/machines');
    expect(calls.filter((c) => c === 'topAtRisk')).toHaveLength(1);
    now += 60_000;
    await get(dashboard, '/api/machines');
    expect(calls.filter((c) => c === 'topAtRisk')).toHaveLength(2);
    // A failed query is not kept: the next poll asks again.
    await fetch(new URL('/api/machines/M-9999', dashboard.url));
    await fetch(new URL('/api/machines/M-9999', dashboard.url));
    expect(calls.filter((c) => c === 'machineSeries')).toHaveLength(2);
  });

  it('asks a slow store less often, in proportion to how long its queries take', async () => {
    let now = 1_000_000;
    let calls = 0;
    const slow = new Proxy(store.fleetQueries, {
      get(target, key, receiver) {
        if (key !== 'topAtRisk') return Reflect.get(target, key, receiver);
        return async (options: Parameters<FleetQueries['topAtRisk']>[0]) => {
          calls++;
          await new Promise((resolve) => setTimeout(resolve, 60));
          return target.topAtRisk(options);
        };
      },
    }) as FleetQueries;
    const dashboard = await start({ queries: slow, clock: () => now });
    await get(dashboard, '/api/machines');
    // At least 60 ms x QUERY_LOAD_FACTOR: still fresh after 1 s, well past RESULT_TTL_MS.
    expect(QUERY_LOAD_FACTOR * 60).toBeGreaterThan(1000);
    now += 1000;
    await get(dashboard, '/api/machines');
    expect(calls).toBe(1);
    now += 60_000;
    await get(dashboard, '/api/machines');
    expect(calls).toBe(2);
  });

  it('takes the default port, or any free one when something else holds it', async () => {
    const blocker: Server = createServer();
    const blocked = await new Promise<boolean>((resolve) => {
      blocker.once('error', () => resolve(false));
      blocker.listen({ host: '127.0.0.1', port: DEFAULT_DASHBOARD_PORT }, () => resolve(true));
    });
    try {
      const dashboard = await start({ port: undefined });
      expect(dashboard.port).not.toBe(DEFAULT_DASHBOARD_PORT);
      expect((await fetch(new URL('/api/status', dashboard.url))).status).toBe(200);
      // An explicit port that is taken is an error, not a surprise elsewhere.
      await expect(start({ port: dashboard.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      if (blocked) await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not met');
}
