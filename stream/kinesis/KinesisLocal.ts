import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { freePort, LOOPBACK, startOnFreePorts } from '../process/loopback.js';
import { ServerProcess } from '../process/ServerProcess.js';
import { createKinesisClient } from './client.js';
import { KINESIS_ERROR_CODES, KinesisError } from './errors.js';

/** The folder of a data directory where kinesis-local keeps its streams and records when the CLI starts it. */
export const KINESIS_LOCAL_DATA_FOLDER = 'kinesis-local';

/** The one place kinesis-local's persisted streams live under a data directory (`npm start`, `pfm consume`). */
export function kinesisLocalPersistDir(dataDir: string): string {
  return join(dataDir, KINESIS_LOCAL_DATA_FOLDER);
}

/** The file kinesis-local writes its streams and records to in its persist folder (its PERSIST_FILE_NAME). */
export const KINESIS_LOCAL_DATA_FILE = 'kinesis-data.json';

/** How often kinesis-local writes its streams to disk while it runs; a SIGTERM writes them once more on the way out. */
export const KINESIS_LOCAL_PERSIST_INTERVAL = '1s';

/** Options for {@link KinesisLocal.start}. */
export interface KinesisLocalOptions {
  /**
   * Keep streams and records in this folder across restarts (kinesis-local's SHOULD_PERSIST_DATA): written every
   * second and on a clean stop, loaded on start. A SIGKILL loses what arrived since the last write.
   */
  persistDir?: string;
  /** Listen on this port of 127.0.0.1 (a restart on the same port lets clients carry on); default a free port. */
  port?: number;
  /** Append the engine's output to this file; without it only the last lines are kept, for error messages. */
  logFile?: string;
  /** How long to wait for the engine to answer ListStreams; default 60 s. */
  readyTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL; default 5 s. */
  stopTimeoutMs?: number;
}

const require = createRequire(import.meta.url);
const MAIN_JS = require.resolve('kinesis-local/main.js');
const CERT_PATH = resolve(dirname(MAIN_JS), 'server.json');
const PRELOAD = fileURLToPath(new URL('./loopbackPreload.cjs', import.meta.url));
// Lifecycle operations are instant locally; the engine's 500 ms defaults only slow tests down.
const FAST_DURATION = '50ms';
const DURATION_VARIABLES = [
  'CREATE_STREAM_DURATION',
  'DELETE_STREAM_DURATION',
  'REGISTER_STREAM_CONSUMER_DURATION',
  'START_STREAM_ENCRYPTION_DURATION',
  'STOP_STREAM_ENCRYPTION_DURATION',
  'DEREGISTER_STREAM_CONSUMER_DURATION',
  'MERGE_SHARDS_DURATION',
  'SPLIT_SHARD_DURATION',
  'UPDATE_SHARD_COUNT_DURATION',
  'UPDATE_STREAM_MODE_DURATION',
] as const;

/** A kinesis-local engine (the one LocalStack runs) in a child process, bound to 127.0.0.1 on a free port. */
export class KinesisLocal {
  private constructor(
    private readonly server: ServerProcess,
    readonly endpoint: string,
    private readonly output: () => string,
  ) {}

  /** Starts the engine and resolves once it answers ListStreams. */
  static async start(opts: KinesisLocalOptions = {}): Promise<KinesisLocal> {
    if (opts.persistDir !== undefined) checkPersistedData(opts.persistDir);
    const { port } = opts;
    return startOnFreePorts(
      async () => KinesisLocal.spawn(port ?? (await freePort()), await freePort(), opts),
      (local) => local.waitReady(opts.readyTimeoutMs ?? 60_000),
      // A port that is taken stays taken: another try only helps when the port was picked free.
      port === undefined ? 3 : 1,
    );
  }

  /** The engine's process id. */
  get pid(): number | undefined {
    return this.server.child.pid;
  }

  /** Resolves once the engine process has exited: after stop(), or when something else ended it. */
  whenExited(): Promise<void> {
    return this.server.whenExited();
  }

  /** SIGTERM, then SIGKILL if it has not gone after the stop timeout (it sometimes ignores SIGTERM). */
  stop(): Promise<void> {
    return this.server.stop();
  }

  private static spawn(plainPort: number, tlsPort: number, opts: KinesisLocalOptions): KinesisLocal {
    const env: NodeJS.ProcessEnv = {
      // A minimal environment: the parent's NODE_OPTIONS (test runners, loaders) or AWS_* must not leak into the engine.
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      KINESIS_MOCK_PLAIN_PORT: String(plainPort),
      KINESIS_MOCK_TLS_PORT: String(tlsPort),
      KINESIS_MOCK_CERT_PATH: CERT_PATH,
      LOG_LEVEL: 'WARN',
      ROOT_LOG_LEVEL: 'ERROR',
      SHOULD_PERSIST_DATA: 'false',
    };
    for (const name of DURATION_VARIABLES) env[name] = FAST_DURATION;
    if (opts.persistDir !== undefined) {
      const dir = resolve(opts.persistDir);
      mkdirSync(dir, { recursive: true });
      Object.assign(env, {
        SHOULD_PERSIST_DATA: 'true',
        LOAD_DATA_IF_EXISTS: 'true',
        PERSIST_PATH: dir,
        PERSIST_FILE_NAME: KINESIS_LOCAL_DATA_FILE,
        PERSIST_INTERVAL: KINESIS_LOCAL_PERSIST_INTERVAL,
      });
    }
    let logFd: number | undefined;
    if (opts.logFile !== undefined) {
      mkdirSync(dirname(resolve(opts.logFile)), { recursive: true });
      logFd = openSync(opts.logFile, 'a');
    }
    const output = logFd ?? 'pipe';
    const child = spawn(process.execPath, ['-r', PRELOAD, MAIN_JS], {
      env,
      stdio: ['ignore', output, output, 'ipc'],
    });
    if (logFd !== undefined) closeSync(logFd);
    const server = new ServerProcess(child, opts.stopTimeoutMs ?? 5_000);
    return new KinesisLocal(server, `http://${LOOPBACK}:${plainPort}`, () =>
      logFd === undefined ? server.output() : `see ${opts.logFile}`,
    );
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const client = createKinesisClient({ endpoint: this.endpoint });
    try {
      await this.server.waitReady({
        probe: async () => {
          await client.send(new ListStreamsCommand({}), { requestTimeout: 2_000 });
          return true;
        },
        timeoutMs,
        intervalMs: 100,
        exited: (exitCode) =>
          new KinesisError(
            KINESIS_ERROR_CODES.localStartFailed,
            `kinesis-local exited during start (exit code ${exitCode}): ${this.output()}`,
          ),
        timedOut: (lastError) =>
          new KinesisError(
            KINESIS_ERROR_CODES.localStartFailed,
            `kinesis-local did not answer on ${this.endpoint} within ${timeoutMs} ms: ${this.output()}`,
            false,
            { cause: lastError },
          ),
      });
    } finally {
      client.destroy();
    }
  }
}

/**
 * Refuses, with a message saying what to do, a data file the engine would fail on with a bare
 * NoSuchElementException: kinesis-local rewrites the file in place, so a kill while it writes leaves it cut short.
 */
function checkPersistedData(persistDir: string): void {
  const file = join(resolve(persistDir), KINESIS_LOCAL_DATA_FILE);
  if (!existsSync(file)) return;
  try {
    JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new KinesisError(
      KINESIS_ERROR_CODES.localStartFailed,
      `kinesis-local's data file ${file} is not complete JSON (the engine was probably killed while writing it), so ` +
        `its streams cannot be loaded. Move it aside (mv ${file} ${file}.broken) to start kinesis-local without them.`,
      false,
      { cause: err },
    );
  }
}
