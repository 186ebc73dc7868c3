import { DuckDbHistorySource } from '../../processors/forecast/DuckDbHistorySource.js';
import { createForecaster } from '../../processors/forecast/forecaster.js';
import { DEFAULT_DASHBOARD_PORT } from '../dashboard/constants.js';
import { startDashboard } from '../dashboard/server.js';
import { parseCommandArgs, port as portFlag } from './args.js';
import { display, openRunStore, resolveRunDir } from './dataDir.js';

const HELP = `pfm ui — the dashboard over a finished run's data directory

Serves the page "npm start" shows during a run (machines by risk, a machine's history, the fleet over time,
drift against the reference, drift events, quarantine) on 127.0.0.1, reading the run's DuckDB store
read-only and its drift-events.jsonl, with each machine's failure forecast (the "Due" column and the
forecast curve under its history; see pfm forecast --help). Stop it with Ctrl-C.

Options:
  --data DIR        the data directory (its latest run) or one run's folder (default ./pfm-data or PFM_DATA_DIR)
  --port N          port on 127.0.0.1, 0 = any free one (default ${DEFAULT_DASHBOARD_PORT}, or a free one when taken)
  --artifacts DIR   model artifacts with the drift reference (default model/artifacts)
  --help            this help`;

/** `pfm ui --data DIR [--port N]`: serves the dashboard over a finished run until Ctrl-C; prints its URL. */
export async function uiCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('ui', argv, {
    data: { type: 'string' },
    port: { type: 'string' },
    artifacts: { type: 'string' },
    help: { type: 'boolean', default: false },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const port = values.port === undefined ? undefined : portFlag(values.port, '--port');
  const runDir = resolveRunDir(values.data);
  const { store } = await openRunStore(runDir);
  // A finished run's store does not change: one forecast serves the page until it is stopped.
  const forecasts = createForecaster(new DuckDbHistorySource(store.database), {
    cacheMs: Number.POSITIVE_INFINITY,
    ...(values.artifacts ? { artifactsDir: values.artifacts } : {}),
  });
  try {
    const dashboard = await startDashboard({
      queries: store.fleetQueries,
      forecasts,
      dataDir: runDir,
      ...(port === undefined ? {} : { port }),
      ...(values.artifacts ? { artifactsDir: values.artifacts } : {}),
    });
    console.error(`pfm ui: read-only view of the run in ${display(runDir)}; Ctrl-C to stop`);
    console.log(dashboard.url);
    await untilSignal();
    await dashboard.close();
    return 0;
  } finally {
    await forecasts.close();
    await store.close();
  }
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
