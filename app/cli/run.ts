import { parseArgs } from 'node:util';
import { FAILURE_MODES } from '../../processors/inference/types.js';
import { parseDriftSpec } from '../../stream/simulator/driftSpec.js';
import { startDashboard } from '../dashboard/server.js';
import { type PipelineProgress, type PipelineSummary, runLocalPipeline } from '../pipeline/localPipeline.js';
import { resolveDataDir } from './dataDir.js';
import { bar, formatNumber, renderTable } from './format.js';
import { positiveInt, renderTopTable } from './query.js';

const HELP = `pfm run — the whole pipeline on this machine, no cloud account needed

Starts kinesis-local on 127.0.0.1, creates a fresh stream, and runs the simulator, the event-source runner,
the inference handler and the embedded DuckDB store together, with live progress and a summary at the end.

Options:
  --records N         records to produce (default 20000)
  --follow            run until Ctrl-C instead of stopping after --records
  --duration S        run for S seconds (at --rate) instead of a record count; Ctrl-C still stops early
  --machines N        fleet size (default 50)
  --rate N            readings per second across the fleet, 0 = as fast as possible (default 4000)
  --shards N          Kinesis shards (default 4; kinesis-local writes slow down as a shard fills)
  --drift SPEC        inject a sensor drift, repeatable: feature:kind[:amount][:devices]@time
                      e.g. torqueNm:offset:5@+2s, airTemperatureK:stuck:M-0001@+0s
  --poison RATE       fraction of deliberately bad records (default 0.001)
  --drift-window N    readings per drift-monitor window, 0 = no drift monitor (default 1000)
  --batch-size N      records per handler invocation (default 1000)
  --window-ms N       batching window in ms (default 100)
  --seed N            simulator seed (default 42)
  --data DIR          data directory (default ./pfm-data or PFM_DATA_DIR); a run replaces its contents
  --no-ui             do not serve the live dashboard on 127.0.0.1
  --port N            dashboard port (default 4400, or a free one)
  --endpoint URL      use this Kinesis endpoint instead of starting kinesis-local (also AWS_ENDPOINT_URL_KINESIS)`;

/** `pfm run`: what `npm start` runs. Exit 0 when every record is accounted for, 1 otherwise. */
export async function runCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      records: { type: 'string', default: '20000' },
      follow: { type: 'boolean', default: false },
      duration: { type: 'string' },
      machines: { type: 'string', default: '50' },
      rate: { type: 'string', default: '4000' },
      shards: { type: 'string', default: '4' },
      drift: { type: 'string', multiple: true, default: [] },
      poison: { type: 'string', default: '0.001' },
      'drift-window': { type: 'string', default: '1000' },
      'batch-size': { type: 'string', default: '1000' },
      'window-ms': { type: 'string', default: '100' },
      seed: { type: 'string', default: '42' },
      data: { type: 'string' },
      endpoint: { type: 'string' },
      'no-ui': { type: 'boolean', default: false },
      port: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const rate = Number(values.rate);
  if (!Number.isFinite(rate) || rate < 0)
    throw new Error(`--rate must be a number >= 0, got "${values.rate}"`);
  const poisonRate = Number(values.poison);
  if (!(poisonRate >= 0 && poisonRate <= 1))
    throw new Error(`--poison must be in [0, 1], got "${values.poison}"`);
  const windowMs = Number(values['window-ms']);
  if (!Number.isSafeInteger(windowMs) || windowMs < 0) throw new Error(`--window-ms must be an integer >= 0`);
  const startTime = Date.now();
  const drift = (values.drift ?? []).map((spec) => parseDriftSpec(spec, startTime));

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

  const dataDir = resolveDataDir(values.data);
  const durationS = values.duration === undefined ? undefined : positiveInt(values.duration, '--duration');
  const records =
    values.follow || durationS !== undefined ? undefined : positiveInt(values.records, '--records');
  let timer: NodeJS.Timeout | undefined;
  console.error(
    `pfm run: ${records !== undefined ? `${formatNumber(records)} records` : durationS !== undefined ? `${durationS} s` : 'until Ctrl-C'} from ${values.machines} machines` +
      ` at ${rate > 0 ? `${formatNumber(rate)}/s` : 'full speed'}, ${values.shards} shard(s), data in ${dataDir}`,
  );
  const printProgress = createProgressPrinter(records);
  let latest: PipelineProgress | undefined;
  let dashboard: Awaited<ReturnType<typeof startDashboard>> | undefined;
  try {
    const summary = await runLocalPipeline({
      dataDir,
      machines: positiveInt(values.machines, '--machines'),
      ...(records === undefined ? {} : { records }),
      rate,
      shards: positiveInt(values.shards, '--shards'),
      seed: Number(values.seed),
      startTime,
      drift,
      poisonRate,
      driftWindowRecords: nonNegativeInt(values['drift-window'], '--drift-window'),
      batchSize: positiveInt(values['batch-size'], '--batch-size'),
      batchingWindowMs: windowMs,
      ...(values.endpoint
        ? { endpoint: values.endpoint }
        : process.env.AWS_ENDPOINT_URL_KINESIS
          ? { endpoint: process.env.AWS_ENDPOINT_URL_KINESIS }
          : {}),
      signal: controller.signal,
      onProgress: (p) => {
        latest = p;
        printProgress(p);
      },
      onStarted: async ({ store }) => {
        // A timed run is a follow run that stops itself once producing starts: what was produced drains, the
        // summary prints.
        if (durationS !== undefined) timer = setTimeout(() => controller.abort(), durationS * 1000);
        if (values['no-ui']) return;
        dashboard = await startDashboard({
          queries: store.fleetQueries,
          dataDir,
          live: { progress: () => latest },
          ...(values.port ? { port: nonNegativeInt(values.port, '--port') } : {}),
        });
        console.error(`pfm run: live dashboard at ${dashboard.url}`);
      },
    });
    console.log(renderSummary(summary));
    return summary.accountedFor ? 0 : 1;
  } finally {
    clearTimeout(timer);
    if (dashboard) {
      await dashboard.close();
      console.error(`pfm run: dashboard closed; to look at this run again: npx pfm ui --data ${dataDir}`);
    }
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function createProgressPrinter(total: number | undefined): (p: PipelineProgress) => void {
  const tty = process.stderr.isTTY === true;
  let lastLine = 0;
  return (p) => {
    const pct = total
      ? ` ${((100 * (p.scored + p.quarantined + p.deadLettered)) / total).toFixed(0).padStart(3)}%`
      : '';
    const line =
      `${(p.elapsedMs / 1000).toFixed(1).padStart(5)}s${pct} | produced ${formatNumber(p.produced)} | scored ${formatNumber(p.scored)}` +
      ` | quarantined ${formatNumber(p.quarantined)} | dead-letter ${formatNumber(p.deadLettered)}` +
      ` | ${formatNumber(Math.round(p.recordsPerSecond))} rec/s | lag ${formatNumber(p.lagRecords)} rec, ${formatNumber(p.millisBehindLatest)} ms` +
      ` | predicted failures ${formatNumber(p.predictedFailures)}` +
      (p.drift
        ? ` | drift ${p.drift.fleet} (${p.drift.windows.evaluated} windows, ${p.drift.events.emitted} events)`
        : '');
    if (tty) {
      process.stderr.write(`\r\x1b[2K${line}${p.done ? '\n' : ''}`);
    } else if (p.done || p.elapsedMs - lastLine >= 1000) {
      process.stderr.write(`${line}\n`);
      lastLine = p.elapsedMs;
    }
  };
}

/** The end-of-run report: the accounting line first, then failures by mode, quarantine reasons and the top machines. */
export function renderSummary(s: PipelineSummary): string {
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
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  return [
    '',
    `Failures by mode (model ${s.modelVersion}):`,
    modes,
    `any failure: ${formatNumber(store.predictedFailures)} predicted, ${formatNumber(s.truthFailures)} in the simulated truth;` +
      ` precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)} (tp ${c.tp}, fp ${c.fp}, fn ${c.fn})`,
    `quarantine: ${quarantine || 'none'} (raw bytes kept in the store's quarantine table)`,
    ...renderDrift(s),
    '',
    'Machines most at risk:',
    renderTopTable(s.topAtRisk, 20),
    '',
    `Data: ${s.storePath} (dead letters: ${s.deadLetterPath}). Try: npx pfm top, npx pfm query "SELECT ..."`,
    `pfm run: ${accounting}; ${formatNumber(Math.round(s.recordsPerSecond))} rec/s end to end over ${(s.durationMs / 1000).toFixed(1)} s` +
      ` on ${s.shards} shard(s), stream ${s.streamName}`,
  ].join('\n');
}

function renderDrift(s: PipelineSummary): string[] {
  const d = s.drift;
  if (!d) return ['drift monitor: off (--drift-window 0)'];
  const lines = [
    '',
    `Drift monitor: fleet ${d.fleet} after ${d.windows.evaluated} window(s) of ${formatNumber(d.windows.windowRecords)} readings;` +
      ` ${d.events.emitted} event(s)${
        d.events.emitted
          ? ` (${Object.entries(d.events.byType)
              .filter(([, n]) => n > 0)
              .map(([t, n]) => `${t} ${n}`)
              .join(', ')})`
          : ''
      }`,
  ];
  const moved = d.features.filter((f) => f.breached.length > 0 || Math.abs(f.meanShift) >= 0.25).slice(0, 5);
  if (moved.length > 0) {
    lines.push(
      renderTable(
        ['feature (last window)', 'mean shift sd', 'variance ratio', 'PSI', 'CUSUM', 'breached'],
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
  if (d.events.emitted > 0) lines.push(`events: ${s.driftEventsPath} (npx pfm drift events)`);
  return lines;
}

/** Parses an integer flag >= 0, naming the flag when it is not one. */
function nonNegativeInt(text: string | undefined, flag: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${flag} must be an integer >= 0, got "${text}"`);
  return n;
}
