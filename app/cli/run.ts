import { basename } from 'node:path';
import { errorMessage } from '../../kernel/awsErrors.js';
import { DuckDbHistorySource } from '../../processors/forecast/DuckDbHistorySource.js';
import { createForecaster, type Forecaster } from '../../processors/forecast/forecaster.js';
import { FAILURE_MODES } from '../../processors/inference/types.js';
import { parseDriftSpec } from '../../stream/simulator/driftSpec.js';
import { formatDuration } from '../../stream/simulator/duration.js';
import { startDashboard } from '../dashboard/server.js';
import { type LocalForecastCycle, startLocalForecastCycle } from '../forecast/localForecastCycle.js';
import { type PipelineProgress, type PipelineSummary, runLocalPipeline } from '../pipeline/localPipeline.js';
import type { RateLimit } from '../pipeline/rateLimit.js';
import { planReadingTime } from '../pipeline/readingTime.js';
import { createRunDir, runPaths } from '../pipeline/runFiles.js';
import { type RunManifest, writeRunManifest } from '../pipeline/runManifest.js';
import { WriterLock } from '../pipeline/WriterLock.js';
import {
  duration,
  fraction,
  integer,
  intervalRange,
  nonNegativeInt,
  nonNegativeNumber,
  parseCommandArgs,
  port,
  positiveInt,
} from './args.js';
import { display, resolveDataDir } from './dataDir.js';
import { bar, formatElapsed, formatInstant, formatNumber, renderTable } from './format.js';
import { progressLine } from './progressLine.js';
import { renderTopTable } from './query.js';
import { FORECAST_EVERY_MS, type RunForecast, renderRunForecast } from './runForecast.js';

const DEFAULTS = { span: '48h', interval: '5m-10m', machines: '50', shards: '4', rate: '0' } as const;

const HELP = `pfm run — the whole pipeline on this machine, no cloud account needed

Starts kinesis-local on 127.0.0.1 and runs the simulator, the event-source runner, the inference handler, the
drift monitor and the embedded DuckDB store together, with live progress, a live dashboard and a summary.

Reading time is a real fleet's: each machine reads once per process, at an interval of its own (--interval),
and the run covers the last --span of reading time, ending now. Readings stamped before now are back-filled
as fast as Kinesis takes them; with --follow the fleet then goes on live, at the wall clock's pace.

Options:
  --span D            reading time to cover, ending now (default ${DEFAULTS.span}; e.g. 90m, 24h, 7d)
  --records N         instead of --span: exactly N readings, the last one stamped now
  --interval A-B      each machine reads every A to B of machine time, its own interval (default ${DEFAULTS.interval};
                      one value, e.g. 30s, gives every machine the same)
  --follow            after the span, go on live until Ctrl-C (drains, saves checkpoints, prints the summary)
  --duration D        like --follow, but stop after D of wall-clock time (e.g. 10m)
  --machines N        fleet size (default ${DEFAULTS.machines})
  --rate N            at most N readings per second while back-filling, 0 = as fast as Kinesis takes them (default ${DEFAULTS.rate})
  --shards N          Kinesis shards (default ${DEFAULTS.shards})
  --drift SPEC        inject a sensor drift, repeatable: feature:kind[:amount][:devices]@time, where time is
                      +<n><s|m|h|d> after the run's first reading, <n>% of the run, or an ISO-8601 instant;
                      a drift that would start outside the run is refused
                      e.g. torqueNm:offset:8@50%, airTemperatureK:stuck:M-0003@+2h
  --poison RATE       fraction of deliberately bad records, 0 to 1 (default 0.001)
  --drift-window N    readings per drift-monitor window, 0 = no drift monitor (default 1000)
  --batch-size N      records per handler invocation (default 1000)
  --window-ms N       batching window in ms (default 100)
  --seed N            simulator seed (default 42)
  --data DIR          data directory (default ./pfm-data or PFM_DATA_DIR); each run gets a folder of its own
                      under DIR/runs/, and one run at a time may write to DIR (a second one is refused)
  --no-forecast       do not run the forecast cycle (every minute and at the end: each machine's next hours,
                      MaintenanceDue events in the run's maintenance-events.jsonl)
  --no-ui             do not serve the live dashboard on 127.0.0.1
  --port N            dashboard port (default 4400, or a free one)
  --endpoint URL      use this Kinesis endpoint instead of starting kinesis-local (also AWS_ENDPOINT_URL_KINESIS)
  --help              this help`;

/** Everything `pfm run` was asked, checked before anything starts. */
interface RunRequest {
  dataDir: string;
  machines: number;
  shards: number;
  rate: number;
  seed: number;
  interval: { minMs: number; maxMs: number };
  spanMs: number | undefined;
  records: number | undefined;
  live: boolean;
  durationMs: number | undefined;
  driftSpecs: string[];
  poisonRate: number;
  driftWindowRecords: number;
  batchSize: number;
  batchingWindowMs: number;
  ui: boolean;
  forecast: boolean;
  port: number | undefined;
  endpoint: string | undefined;
}

/** Parses and checks every flag; throws one line naming the first bad one. */
function parseRequest(argv: string[]): RunRequest | 'help' {
  const { values } = parseCommandArgs('run', argv, {
    span: { type: 'string' },
    records: { type: 'string' },
    interval: { type: 'string', default: DEFAULTS.interval },
    follow: { type: 'boolean', default: false },
    duration: { type: 'string' },
    machines: { type: 'string', default: DEFAULTS.machines },
    rate: { type: 'string', default: DEFAULTS.rate },
    shards: { type: 'string', default: DEFAULTS.shards },
    drift: { type: 'string', multiple: true, default: [] },
    poison: { type: 'string', default: '0.001' },
    'drift-window': { type: 'string', default: '1000' },
    'batch-size': { type: 'string', default: '1000' },
    'window-ms': { type: 'string', default: '100' },
    seed: { type: 'string', default: '42' },
    data: { type: 'string' },
    endpoint: { type: 'string' },
    'no-ui': { type: 'boolean', default: false },
    'no-forecast': { type: 'boolean', default: false },
    port: { type: 'string' },
    help: { type: 'boolean', default: false },
  });
  if (values.help) return 'help';
  const live = values.follow || values.duration !== undefined;
  if (values.records !== undefined && values.span !== undefined)
    throw new Error('give --span or --records, not both: one decides the other');
  if (values.records !== undefined && live)
    throw new Error('--records ends the run after N readings; --follow and --duration go on live: pick one');
  const records = values.records === undefined ? undefined : positiveInt(values.records, '--records');
  return {
    dataDir: resolveDataDir(values.data),
    machines: positiveInt(values.machines, '--machines'),
    shards: positiveInt(values.shards, '--shards'),
    rate: nonNegativeNumber(values.rate, '--rate'),
    seed: integer(values.seed, '--seed'),
    interval: intervalRange(values.interval, '--interval'),
    spanMs: records === undefined ? duration(values.span ?? DEFAULTS.span, '--span') : undefined,
    records,
    live,
    durationMs: values.duration === undefined ? undefined : duration(values.duration, '--duration'),
    driftSpecs: values.drift ?? [],
    poisonRate: fraction(values.poison, '--poison'),
    driftWindowRecords: nonNegativeInt(values['drift-window'], '--drift-window'),
    batchSize: positiveInt(values['batch-size'], '--batch-size'),
    batchingWindowMs: nonNegativeInt(values['window-ms'], '--window-ms'),
    ui: !values['no-ui'],
    forecast: !values['no-forecast'],
    port: values.port === undefined ? undefined : port(values.port, '--port'),
    endpoint: values.endpoint ?? process.env.AWS_ENDPOINT_URL_KINESIS,
  };
}

/** `pfm run`: what `npm start` runs. Exit 0 when every record is accounted for, 1 otherwise. */
export async function runCommand(argv: string[]): Promise<number> {
  const request = parseRequest(argv);
  if (request === 'help') {
    console.log(HELP);
    return 0;
  }
  const r = request;
  const now = Date.now();
  const plan = planReadingTime(
    { machines: r.machines, seed: r.seed, intervalMs: r.interval.minMs, maxIntervalMs: r.interval.maxMs },
    {
      now,
      ...(r.records !== undefined ? { records: r.records } : { spanMs: r.spanMs ?? 0 }),
      live: r.live,
    },
  );
  const drift = r.driftSpecs.map((spec) =>
    parseDriftSpec(spec, { start: plan.start, ...(plan.end !== undefined ? { end: plan.end } : {}) }),
  );

  // Nothing has been written yet: a second writer is refused here, with the first one's name.
  const command = commandLine();
  const lock = WriterLock.acquire(r.dataDir, { command });
  try {
    const run = createRunDir(r.dataDir, now);
    const paths = runPaths(run.dir);
    const manifest: RunManifest = {
      id: run.id,
      command,
      pid: process.pid,
      startedAt: new Date(now).toISOString(),
      status: 'running',
      machines: r.machines,
      intervalMs: { min: r.interval.minMs, max: r.interval.maxMs },
      readingTime: {
        start: plan.start,
        ...(plan.end !== undefined ? { end: plan.end } : {}),
        ...(plan.readings !== undefined ? { readings: plan.readings } : {}),
      },
      drift: r.driftSpecs,
    };
    writeRunManifest(paths.manifest, manifest);
    console.error(banner(r, plan, display(run.dir)));
    try {
      const summary = await runPipeline(r, plan, run.dir, drift);
      writeRunManifest(paths.manifest, {
        ...manifest,
        status: summary.stopped ? 'stopped' : 'finished',
        finishedAt: new Date().toISOString(),
        outcome: {
          produced: summary.produced,
          scored: summary.store.predictions,
          quarantined: summary.store.quarantined,
          deadLettered: summary.deadLettered,
          accountedFor: summary.accountedFor,
        },
      });
      console.log(renderSummary(summary, summary.forecast));
      return summary.accountedFor ? 0 : 1;
    } catch (error) {
      writeRunManifest(paths.manifest, {
        ...manifest,
        status: 'failed',
        finishedAt: new Date().toISOString(),
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
  } finally {
    lock.release();
  }
}

async function runPipeline(
  r: RunRequest,
  plan: ReturnType<typeof planReadingTime>,
  runDir: string,
  drift: ReturnType<typeof parseDriftSpec>[],
): Promise<PipelineSummary & { stopped: boolean; forecast: RunForecast | undefined }> {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(
      '\nstopping: draining what was produced, saving checkpoints (Ctrl-C again to force)\n',
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let timer: NodeJS.Timeout | undefined;
  const printProgress = createProgressPrinter();
  let latest: PipelineProgress | undefined;
  let dashboard: Awaited<ReturnType<typeof startDashboard>> | undefined;
  let forecasts: Forecaster | undefined;
  let cycle: LocalForecastCycle | undefined;
  let forecast: RunForecast | undefined;
  const paths = runPaths(runDir);
  try {
    const summary = await runLocalPipeline({
      dataDir: runDir,
      cacheDir: r.dataDir,
      machines: r.machines,
      ...(plan.readings !== undefined ? { records: plan.readings } : {}),
      rate: r.rate,
      shards: r.shards,
      seed: r.seed,
      startTime: plan.start,
      intervalMs: r.interval.minMs,
      maxIntervalMs: r.interval.maxMs,
      drift,
      poisonRate: r.poisonRate,
      driftWindowRecords: r.driftWindowRecords,
      batchSize: r.batchSize,
      batchingWindowMs: r.batchingWindowMs,
      ...(r.endpoint ? { endpoint: r.endpoint } : {}),
      signal: controller.signal,
      onProgress: (p) => {
        latest = p;
        printProgress(p);
      },
      onDrained: async () => {
        if (!cycle) return;
        console.error("pfm run: forecasting each machine's next hours...");
        const started = performance.now();
        try {
          const summary = await cycle.final();
          forecast = {
            summary,
            eventsThisRun: cycle.eventsSent(),
            eventsPath: paths.maintenanceEvents,
            seconds: (performance.now() - started) / 1000,
          };
        } catch (error) {
          forecast = { error: errorMessage(error) };
        }
      },
      onStarted: async ({ store }) => {
        // A timed run is a live run that stops itself: what was produced drains, the summary prints.
        if (r.durationMs !== undefined) timer = setTimeout(() => controller.abort(), r.durationMs);
        if (!r.forecast && !r.ui) return;
        // The page's Due column and forecast curve, and the run's forecast cycle; the store grows, so the
        // forecast is redone each minute.
        forecasts = createForecaster(new DuckDbHistorySource(store.database), { cacheMs: FORECAST_EVERY_MS });
        if (r.forecast) {
          cycle = startLocalForecastCycle({
            forecaster: forecasts,
            eventsPath: paths.maintenanceEvents,
            duePath: paths.forecastDue,
            everyMs: FORECAST_EVERY_MS,
            onError: (error) =>
              console.error(
                `pfm run: forecast cycle failed (tried again in a minute): ${errorMessage(error)}`,
              ),
          });
        }
        if (!r.ui) return;
        dashboard = await startDashboard({
          queries: store.fleetQueries,
          forecasts,
          dataDir: runDir,
          live: { progress: () => latest },
          ...(r.port !== undefined ? { port: r.port } : {}),
        });
        console.error(`pfm run: live dashboard at ${dashboard.url}`);
      },
    });
    return { ...summary, stopped: controller.signal.aborted, forecast };
  } finally {
    clearTimeout(timer);
    cycle?.stop();
    if (dashboard) {
      await dashboard.close();
      console.error(
        `pfm run: dashboard closed; to look at this run again: npx pfm ui --data ${display(runDir)}`,
      );
    }
    await forecasts?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** This process's command line as a person would recognise it: `pfm run --records 500`. */
function commandLine(): string {
  const args = process.argv.slice(2).map((a) => (/^[\w./:=@%,+-]+$/.test(a) ? a : JSON.stringify(a)));
  const script = basename(process.argv[1] ?? 'pfm').replace(/\.[jt]s$/, '');
  return [script === 'pfm' ? 'pfm' : `node ${script}`, ...args].join(' ');
}

function banner(r: RunRequest, plan: ReturnType<typeof planReadingTime>, runDir: string): string {
  const every =
    r.interval.minMs === r.interval.maxMs
      ? `every ${formatDuration(r.interval.minMs)}`
      : `every ${formatDuration(r.interval.minMs)} to ${formatDuration(r.interval.maxMs)} (each its own)`;
  const span =
    plan.end === undefined
      ? `from ${formatInstant(plan.start)} on, back-filled to now, then live until ${r.durationMs !== undefined ? `${formatDuration(r.durationMs)} have passed` : 'Ctrl-C'}`
      : `${formatNumber(plan.readings ?? 0)} readings from ${formatInstant(plan.start)} to ${formatInstant(plan.end)} (${formatDuration(plan.end - plan.start)} ending now)`;
  const pace = r.rate > 0 ? `at most ${formatNumber(r.rate)}/s` : 'as fast as Kinesis takes them';
  return (
    `pfm run: ${formatNumber(r.machines)} machines reading ${every}; ${span}; written ${pace} to ${r.shards} shard(s)` +
    `\npfm run: data in ${runDir}`
  );
}

/** A live line rewritten in place on a terminal (fitted to its width); a plain line a second otherwise. */
function createProgressPrinter(): (p: PipelineProgress) => void {
  const tty = process.stderr.isTTY === true;
  let lastLine = Number.NEGATIVE_INFINITY;
  return (p) => {
    if (tty) {
      const width = Math.max(20, (process.stderr.columns ?? 80) - 1);
      process.stderr.write(`\r\x1b[2K${progressLine(p, width)}${p.done ? '\n' : ''}`);
    } else if (p.done || p.elapsedMs - lastLine >= 1000) {
      process.stderr.write(`${progressLine(p)}\n`);
      lastLine = p.elapsedMs;
    }
  };
}

/** The end-of-run report: failures by mode, quarantine, drift, top machines, then where things are and the accounting line. */
export function renderSummary(s: PipelineSummary, forecast?: RunForecast): string {
  const { store } = s;
  const accounting =
    `${formatNumber(s.produced)} records in = ${formatNumber(store.predictions)} scored + ${formatNumber(store.quarantined)} quarantined` +
    ` + ${formatNumber(s.deadLettered)} dead-lettered ${s.accountedFor ? '(all accounted for)' : '— MISMATCH: records are missing'}`;
  const maxMode = Math.max(
    1,
    ...FAILURE_MODES.map((m) => Math.max(store.predictedByMode[m], s.truthByMode[m])),
  );
  const modes = renderTable(
    ['mode', 'predicted', '', 'simulated (truth)'],
    FAILURE_MODES.map((m) => [
      m,
      store.predictedByMode[m],
      bar(store.predictedByMode[m], maxMode, 24),
      s.truthByMode[m],
    ]),
  );
  const c = s.anyFailure;
  const precision = c.tp / Math.max(1, c.tp + c.fp);
  const recall = c.tp / Math.max(1, c.tp + c.fn);
  const quarantine = Object.entries(store.quarantinedByCode)
    .map(([code, n]) => `${code} ${formatNumber(n)}`)
    .join(', ');
  const t = s.readingTime;
  return [
    '',
    `Failures by mode (model ${s.modelVersion}):`,
    modes,
    `any failure: ${formatNumber(store.predictedFailures)} predicted, ${formatNumber(s.truthFailures)} in the simulated truth;` +
      ` precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)} (tp ${formatNumber(c.tp)}, fp ${formatNumber(c.fp)}, fn ${formatNumber(c.fn)})`,
    `quarantine: ${quarantine || 'none'}${quarantine ? " (raw bytes kept in the store's quarantine table)" : ''}`,
    ...renderDrift(s),
    ...renderRunForecast(forecast),
    '',
    `Machines most at risk (risk = mean failure probability over each machine's last 20 readings; peak and alarms over the same readings):`,
    renderTopTable(s.topAtRisk, 20),
    '',
    `Reading time: ${t.first !== undefined && t.last !== undefined ? `${formatInstant(t.first)} to ${formatInstant(t.last)}` : 'no readings'}` +
      ` (${t.first !== undefined && t.last !== undefined ? formatDuration(Math.max(1, t.last - t.first)) : '0s'} of machine time)`,
    `Rate: ${renderRate(s.rateLimit, s.askedRate)}; consumers caught up ${formatElapsed(s.catchUpMs)} after the last write`,
    `Data: ${display(s.dataDir)} (store ${display(s.storePath)}; dead letters: ${s.deadLetterPath ? display(s.deadLetterPath) : 'none'})`,
    'Try: npx pfm top · npx pfm ask "which machines are most at risk today, and why?" · npx pfm ui',
    `pfm run: ${accounting}; ${formatNumber(Math.round(s.recordsPerSecond))} rec/s end to end over ${formatElapsed(s.durationMs)}` +
      ` on ${s.shards} shard(s), stream ${s.streamName}`,
  ].join('\n');
}

/** What set the pace of the writes, in a sentence with its figures. */
function renderRate(limit: RateLimit, askedRate: number): string {
  const wrote = `wrote ${formatNumber(Math.round(limit.writtenPerSecond))} readings/s`;
  const asked = askedRate > 0 ? `asked at most ${formatNumber(askedRate)}/s, ` : '';
  switch (limit.by) {
    case 'reading-time':
      return `${asked}${wrote}, each at its own reading time (live)`;
    case 'rate':
      return `${asked}${wrote}: --rate set the pace`;
    case 'kinesis-writes':
      return (
        `${asked}${wrote}, limited by the Kinesis writes: PutRecords kept the producer busy ${Math.round(limit.busyShare * 100)}% of the time,` +
        ` ${formatNumber(Math.round(limit.msPerWrite))} ms per call of ${formatNumber(Math.round(limit.recordsPerWrite))} records` +
        " (kinesis-local's write path, which slows as a shard fills; more --shards spread it)"
      );
  }
}

function renderDrift(s: PipelineSummary): string[] {
  const d = s.drift;
  if (!d) return ['drift monitor: off (--drift-window 0)'];
  const byType = Object.entries(d.events.byType)
    .filter(([, n]) => n > 0)
    .map(([t, n]) => `${t} ${formatNumber(n)}`)
    .join(', ');
  const lines = [
    '',
    `Drift monitor: fleet ${d.fleet} after ${formatNumber(d.windows.evaluated)} window(s) of ${formatNumber(d.windows.windowRecords)} readings;` +
      ` ${formatNumber(d.events.emitted)} event(s)${byType ? ` (${byType})` : ''}`,
  ];
  const moved = d.features.filter((f) => f.breached.length > 0 || Math.abs(f.meanShift) >= 0.25).slice(0, 5);
  if (moved.length > 0) {
    lines.push(
      renderTable(
        ['feature (last window)', 'mean shift sd', 'variance ratio', 'PSI', 'CUSUM / limit', 'breached'],
        moved.map((f) => [
          f.feature,
          f.meanShift,
          f.varianceRatio,
          f.psi,
          f.cusum,
          f.breached.join(' ') || '-',
        ]),
      ),
    );
  }
  for (const e of d.events.recent.slice(-5)) {
    const top = e.detail.topFeatures
      .map((f) => f.feature)
      .slice(0, 3)
      .join(', ');
    lines.push(
      `  ${e.time}  ${e.detailType.padEnd(27)} ${e.detail.scope.kind}:${e.detail.scope.id}  ${e.detail.decision.state}  ${top}`,
    );
  }
  if (d.events.emitted > 0 && s.driftEventsPath)
    lines.push(`events: ${display(s.driftEventsPath)} (npx pfm drift events)`);
  return lines;
}
