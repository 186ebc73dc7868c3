import { queryCommand, topCommand } from './query.js';

const USAGE = `pfm — predictive-maintenance stream processor

Usage:
  pfm run [options]            the whole pipeline locally: kinesis-local, simulator, runner, inference, store
  pfm simulate [options]       write simulated readings to a Kinesis stream or a CSV file
  pfm consume [options]        run the inference processor on an existing Kinesis stream
  pfm replay [options]         re-drive the batches that failed (on-failure queue records or dead letters)
  pfm score --in F --out F     score a CSV in the AI4I column layout
  pfm ask "question"           which machines are at risk and why, one machine, drift (Bedrock agent or local)
  pfm ui [--data DIR]          the dashboard over a finished run (the latest, or the run folder given)
  pfm top [--data DIR]         the machines most at risk in a run's store
  pfm forecast [--data DIR]    when each machine will likely fail, and what maintenance should do first
  pfm drift events|scores|evaluate|calibrate   the drift monitor's events and scores, or a replay of a CSV
  pfm query "SQL" [--data DIR] run a read-only SQL query on a run's store

Each "npm start" / "pfm run" keeps its data in a folder of its own under ./pfm-data/runs/; the reading
commands look at the latest run unless --data names another.

Run "pfm <command> --help" for a command's options.`;

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./run.js')).runCommand,
  simulate: async () => (await import('./simulate.js')).simulateCommand,
  consume: async () => (await import('./consume.js')).consumeCommand,
  replay: async () => (await import('./replay.js')).replayCommand,
  score: async () => (await import('./score.js')).scoreCommand,
  drift: async () => (await import('./drift.js')).driftCommand,
  ask: async () => (await import('./ask.js')).askCommand,
  ui: async () => (await import('./ui.js')).uiCommand,
  top: async () => topCommand,
  forecast: async () => (await import('./forecast.js')).forecastCommand,
  query: async () => queryCommand,
};

/** Dispatches `pfm <command> ...`; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name === undefined ? 1 : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`pfm: unknown command "${name}"\n\n${USAGE}`);
    return 1;
  }
  // --help anywhere after a command (pfm drift events --help) shows that command's help and succeeds.
  const args = rest.includes('--help') || rest.includes('-h') ? ['--help'] : rest;
  try {
    return await (await load())(args);
  } catch (error) {
    console.error(`pfm ${name}: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env.PFM_DEBUG) console.error(error);
    return 1;
  }
}
