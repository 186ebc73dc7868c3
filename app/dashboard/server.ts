import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PfmError } from '../../kernel/errors.js';
import { loadModelArtifacts } from '../../model/artifacts.js';
import { ANY_FAILURE_CLASS } from '../../model/decision.js';
import { loadDriftReference } from '../../processors/drift/reference.js';
import type { DriftReference } from '../../processors/drift/types.js';
import { EVENT_LOG_FILE } from '../../processors/events/LocalEventLog.js';
import { readDriftLimits } from '../pipeline/driftLimits.js';
import { RUN_FILES } from '../pipeline/runFiles.js';
import {
  DEFAULT_DASHBOARD_PORT,
  QUERY_LOAD_FACTOR,
  RESULT_TTL_MS,
  RISK_WINDOW,
  VIEW_LIMITS,
} from './constants.js';
import { EventLogTail } from './EventLogTail.js';
import { forecastView } from './forecastView.js';
import type { Dashboard, DashboardOptions, DashboardSources, ProgressSample } from './types.js';
import {
  appendSample,
  driftView,
  eventsView,
  fleetView,
  machineDetailView,
  machinesView,
  statusView,
} from './views.js';

const HOST = '127.0.0.1';
const JSON_TYPE = 'application/json; charset=utf-8';
const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

interface Asset {
  body: Buffer;
  type: string;
}

/** The page, its script and styles, and uPlot from node_modules: everything served locally, nothing from a CDN. */
function loadAssets(): Map<string, Asset> {
  const require = createRequire(import.meta.url);
  const file = (path: string, type: string): Asset => ({ body: readFileSync(path), type });
  const page = file(join(PUBLIC_DIR, 'index.html'), 'text/html; charset=utf-8');
  return new Map([
    ['/', page],
    ['/index.html', page],
    ['/app.js', file(join(PUBLIC_DIR, 'app.js'), 'text/javascript; charset=utf-8')],
    ['/forecast.js', file(join(PUBLIC_DIR, 'forecast.js'), 'text/javascript; charset=utf-8')],
    ['/app.css', file(join(PUBLIC_DIR, 'app.css'), 'text/css; charset=utf-8')],
    ['/favicon.svg', file(join(PUBLIC_DIR, 'favicon.svg'), 'image/svg+xml')],
    [
      '/vendor/uPlot.iife.min.js',
      file(require.resolve('uplot/dist/uPlot.iife.min.js'), 'text/javascript; charset=utf-8'),
    ],
    ['/vendor/uPlot.min.css', file(require.resolve('uplot/dist/uPlot.min.css'), 'text/css; charset=utf-8')],
  ]);
}

const SECURITY_HEADERS = {
  // No 'unsafe-inline' needed: uPlot and app.js style elements through the CSSOM (element.style), which CSP allows.
  'content-security-policy': "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function intParam(url: URL, name: string, fallback: number, max: number): number {
  const text = url.searchParams.get(name);
  if (text === null) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new HttpError(400, `${name} must be a positive integer`);
  return Math.min(n, max);
}

/**
 * Starts the dashboard on 127.0.0.1: the page and JSON endpoints over the store's query port, the run's drift
 * event log and, during a run, the pipeline's live counters (sampled for the throughput chart).
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const assets = loadAssets();
  const clock = options.clock ?? Date.now;
  const reference =
    options.reference !== undefined ? options.reference : tryLoadReference(options.artifactsDir);
  const tail = new EventLogTail(join(options.dataDir, EVENT_LOG_FILE));
  const alarmThreshold =
    options.alarmThreshold !== undefined
      ? options.alarmThreshold
      : await tryLoadAlarmThreshold(options.artifactsDir);
  let sources: DashboardSources = {
    queries: options.queries,
    ...(options.live ? { live: options.live } : {}),
    ...(options.forecasts ? { forecasts: options.forecasts } : {}),
  };
  let samples: ProgressSample[] = [];
  const cache = new Map<string, { at: number; ttl: number; value: Promise<unknown> }>();

  const sample = () => {
    if (sources.live)
      samples = appendSample(samples, sources.live.progress(), clock(), VIEW_LIMITS.progressSamples);
  };
  sample();
  const sampler = setInterval(sample, options.sampleIntervalMs ?? 1000);
  sampler.unref();

  // One query per key per TTL, however many pollers; a failed one is not kept.
  const cached = (key: string, compute: () => Promise<unknown>): Promise<unknown> => {
    const hit = cache.get(key);
    if (hit && clock() - hit.at < hit.ttl) return hit.value;
    // Per-machine keys come and go with what a person clicks: drop the stale ones now and then.
    if (cache.size > 64) for (const [k, e] of cache) if (clock() - e.at >= e.ttl) cache.delete(k);
    const started = performance.now();
    const entry = { at: clock(), ttl: RESULT_TTL_MS, value: compute() };
    cache.set(key, entry);
    entry.value.then(
      () => {
        entry.ttl = Math.max(RESULT_TTL_MS, (performance.now() - started) * QUERY_LOAD_FACTOR);
      },
      () => {
        if (cache.get(key) === entry) cache.delete(key);
      },
    );
    return entry.value;
  };

  const api = async (path: string, url: URL): Promise<unknown> => {
    const { queries, live } = sources;
    if (path === '/api/status') {
      return cached('status', async () =>
        statusView({
          live: live !== undefined,
          progress: live?.progress(),
          counts: await queries.counts(),
          samples,
          deadLetters: live ? 0 : countLines(join(options.dataDir, RUN_FILES.deadLetter)),
          dataDir: options.dataDir,
          now: clock(),
        }),
      );
    }
    if (path === '/api/machines') {
      return cached('machines', async () =>
        machinesView(
          await queries.topAtRisk({ limit: VIEW_LIMITS.machines, window: RISK_WINDOW }),
          RISK_WINDOW,
        ),
      );
    }
    if (path.startsWith('/api/machines/')) {
      const deviceId = decodePathPart(path.slice('/api/machines/'.length));
      const points = intParam(url, 'points', VIEW_LIMITS.machinePoints, VIEW_LIMITS.machinePoints);
      return cached(`machine:${deviceId}:${points}`, async () => {
        const series = await queries.machineSeries({ deviceId, limit: points });
        if (series.length === 0) throw new HttpError(404, `no predictions for machine ${deviceId}`);
        return machineDetailView(deviceId, series, RISK_WINDOW, alarmThreshold);
      });
    }
    if (path === '/api/fleet') {
      return cached('fleet', async () =>
        fleetView(await queries.fleetTimeline({ buckets: VIEW_LIMITS.fleetBuckets })),
      );
    }
    if (path === '/api/drift') {
      return cached('drift', async () =>
        driftView({
          history: await queries.driftHistory({ scope: 'fleet', windows: VIEW_LIMITS.driftWindows }),
          reference,
          snapshot: live?.drift ? live.drift() : live?.progress()?.drift,
          limits: readDriftLimits(join(options.dataDir, RUN_FILES.driftLimits)),
        }),
      );
    }
    if (path === '/api/forecast') {
      const { forecasts } = sources;
      if (!forecasts) return forecastView(null, 'no forecaster runs with this page (pfm ui has one)');
      return cached('forecast', async () => {
        try {
          return forecastView(await forecasts.latestForecast());
        } catch (error) {
          // The rest of the page stands without a forecast; the column and the curve say why there is none.
          return forecastView(null, `the forecast failed: ${messageOf(error)}`);
        }
      });
    }
    if (path === '/api/events') {
      const limit = intParam(url, 'limit', VIEW_LIMITS.events, VIEW_LIMITS.events);
      return eventsView(tail.read(), limit);
    }
    throw new HttpError(404, `no such endpoint: ${path}`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status =
        error instanceof HttpError
          ? error.status
          : error instanceof PfmError && error.code === 'INVALID_TOOL_INPUT'
            ? 400
            : 500;
      if (!res.headersSent) send(res, status, JSON_TYPE, JSON.stringify({ error: messageOf(error) }));
      else res.destroy();
    });
  });

  let port = 0;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // A page on another site could reach a loopback port through DNS rebinding: answer only our own host names.
    const host = req.headers.host ?? '';
    if (host !== `${HOST}:${port}` && host !== `localhost:${port}`)
      throw new HttpError(403, 'unexpected Host');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      throw new HttpError(405, 'read-only: GET only');
    }
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    const asset = assets.get(url.pathname);
    if (asset) {
      send(res, 200, asset.type, asset.body, req.method === 'HEAD', 'no-cache');
      return;
    }
    if (!url.pathname.startsWith('/api/')) throw new HttpError(404, `not found: ${url.pathname}`);
    const body = JSON.stringify(await api(url.pathname, url));
    send(res, 200, JSON_TYPE, body, req.method === 'HEAD');
  };

  port = await listen(server, options.port);
  return {
    url: `http://${HOST}:${port}/`,
    port,
    setSources(next) {
      sources = next;
      cache.clear();
      sample();
    },
    async close() {
      clearInterval(sampler);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  headOnly = false,
  cache = 'no-store',
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': cache,
  });
  res.end(headOnly ? undefined : body);
}

/** Listens on 127.0.0.1; without an explicit port, the default one or, when it is taken, any free one. */
async function listen(server: Server, port: number | undefined): Promise<number> {
  const attempt = (p: number) =>
    new Promise<number>((resolve, reject) => {
      const onError = (error: Error) => {
        server.off('listening', onListening);
        reject(error);
      };
      const onListening = () => {
        server.off('error', onError);
        resolve((server.address() as AddressInfo).port);
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen({ host: HOST, port: p });
    });
  if (port !== undefined) return attempt(port);
  try {
    return await attempt(DEFAULT_DASHBOARD_PORT);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    return attempt(0);
  }
}

function tryLoadReference(artifactsDir: string | undefined): DriftReference | null {
  try {
    return loadDriftReference(artifactsDir);
  } catch {
    // Without a reference the panels still show shifts in standard deviations, only not in the feature's units.
    return null;
  }
}

/** The model's any-failure threshold, for the line on the risk chart; null when the artifacts cannot be read. */
async function tryLoadAlarmThreshold(artifactsDir: string | undefined): Promise<number | null> {
  try {
    const artifacts = await loadModelArtifacts(artifactsDir);
    return artifacts.thresholds[artifacts.classes.indexOf(ANY_FAILURE_CLASS)] ?? null;
  } catch {
    return null;
  }
}

/** Lines of a JSON-lines file (one dead letter each); an absent file has none. */
function countLines(path: string): number {
  if (!existsSync(path)) return 0;
  let n = 0;
  for (const byte of readFileSync(path)) if (byte === 0x0a) n++;
  return n;
}

function decodePathPart(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new HttpError(400, 'malformed percent-encoding in the path');
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
