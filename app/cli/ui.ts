import { parseArgs } from 'node:util';
import { type DuckDbStore, openDuckDbStore } from '../../processors/store/openDuckDbStore.js';
import { DEFAULT_DASHBOARD_PORT } from '../dashboard/constants.js';
import { startDashboard } from '../dashboard/server.js';
import { existingStorePath, resolveDataDir } from './dataDir.js';

const HELP = `pfm ui — the dashboard over a finished run's data directory

Serves the page "npm start" shows during a run (machines by risk, a machine's history, the fleet over time,
drift against the reference, drift events, quarantine) on 127.0.0.1, reading the run's DuckDB store
read-only and its drift-events.jsonl. Stop it with Ctrl-C.

Options:
  --data DIR        data directory of the run (default ./pfm-data or PFM_DATA_DIR)
  --port N          port on 127.0.0.1, 0 = any free one (default ${DEFAULT_DASHBOARD_PORT}, or a free one when taken)
  --artifacts DIR   model artifacts with the drift reference (default model/artifacts)`;

/** `pfm ui --data DIR [--port N]`: serves the dashboard over a finished run until Ctrl-C; prints its URL. */
export async function uiCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      port: { type: 'string' },
      artifacts: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isSafeInteger(port) && port >= 0 && port <= 65_535)) {
    throw new Error(`--port must be an integer from 0 to 65535, got "${values.port}"`);
  }
  const dataDir = resolveDataDir(values.data);
  const storePath = existingStorePath(dataDir);
  const store = await openReadOnly(storePath);
  try {
    const dashboard = await startDashboard({
      queries: store.fleetQueries,
      dataDir,
      ...(port === undefined ? {} : { port }),
      ...(values.artifacts ? { artifactsDir: values.artifacts } : {}),
    });
    console.error(`pfm ui: read-only view of ${dataDir}; Ctrl-C to stop`);
    console.log(dashboard.url);
    await untilSignal();
    await dashboard.close();
    return 0;
  } finally {
    await store.close();
  }
}

async function openReadOnly(path: string): Promise<DuckDbStore> {
  try {
    return await openDuckDbStore(path, { readOnly: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // DuckDB lets one process write a file and no other open it meanwhile.
    if (/lock/i.test(message)) {
      throw new Error(
        `${path} is held by a running pipeline; its page is already served at the URL "npm start" printed`,
        { cause: error },
      );
    }
    throw error;
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
