import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from './client.js';
import { KINESIS_ERROR_CODES, KinesisError } from './errors.js';
import { sleep } from './retry.js';

/** Options for {@link KinesisLocal.start}. */
export interface KinesisLocalOptions {
  /** Keep streams and records in this folder across restarts (kinesis-local's SHOULD_PERSIST_DATA). */
  persistDir?: string;
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
const LOOPBACK = '127.0.0.1';
const OUTPUT_TAIL_CHARS = 8_000;
const START_TRIES = 3;
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
  private exited: Promise<void>;
  private hasExited = false;
  private readonly killOnExit = (): void => {
    this.child.kill('SIGKILL');
  };

  private constructor(
    private readonly child: ChildProcess,
    readonly endpoint: string,
    private readonly stopTimeoutMs: number,
    private readonly output: () => string,
  ) {
    this.exited = new Promise((done) => {
      const finish = (): void => {
        this.hasExited = true;
        done();
      };
      child.once('exit', finish);
      // A failed spawn emits 'error' and never 'exit'.
      child.once('error', finish);
    });
    process.once('exit', this.killOnExit);
  }

  /** Starts the engine and resolves once it answers ListStreams. */
  static async start(opts: KinesisLocalOptions = {}): Promise<KinesisLocal> {
    let lastError: unknown;
    // Free ports are picked before the child binds them; another process may win the race, so try again.
    for (let attempt = 1; attempt <= START_TRIES; attempt++) {
      const local = KinesisLocal.spawn(await freePort(), await freePort(), opts);
      try {
        await local.waitReady(opts.readyTimeoutMs ?? 60_000);
        return local;
      } catch (err) {
        lastError = err;
        await local.stop();
      }
    }
    throw lastError;
  }

  /** The engine's process id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** SIGTERM, then SIGKILL if it has not gone after the stop timeout (it sometimes ignores SIGTERM). */
  async stop(): Promise<void> {
    process.removeListener('exit', this.killOnExit);
    if (this.hasExited) return;
    // Waiting for the exit must keep this process alive (the child is unref'd so that it never does otherwise).
    this.child.ref();
    this.child.kill('SIGTERM');
    const timer = sleep(this.stopTimeoutMs).then(() => 'timeout' as const);
    if ((await Promise.race([this.exited.then(() => 'exited' as const), timer])) === 'timeout') {
      this.child.kill('SIGKILL');
      await this.exited;
    }
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
        PERSIST_INTERVAL: '1s',
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
    let tail = '';
    const keepTail = (chunk: Buffer): void => {
      tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout?.on('data', keepTail);
    child.stderr?.on('data', keepTail);
    // Neither the engine nor its pipes may keep the parent alive; the exit hook and the IPC channel kill it.
    child.unref();
    child.channel?.unref();
    for (const stream of [child.stdout, child.stderr]) (stream as net.Socket | null)?.unref();
    const local = new KinesisLocal(
      child,
      `http://${LOOPBACK}:${plainPort}`,
      opts.stopTimeoutMs ?? 5_000,
      () => (logFd === undefined ? tail : `see ${opts.logFile}`),
    );
    return local;
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const client = createKinesisClient({ endpoint: this.endpoint });
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        if (this.hasExited) {
          throw new KinesisError(
            KINESIS_ERROR_CODES.localStartFailed,
            `kinesis-local exited during start (exit code ${this.child.exitCode}): ${this.output()}`,
          );
        }
        try {
          await client.send(new ListStreamsCommand({}), { requestTimeout: 2_000 });
          return;
        } catch (err) {
          if (Date.now() > deadline) {
            throw new KinesisError(
              KINESIS_ERROR_CODES.localStartFailed,
              `kinesis-local did not answer on ${this.endpoint} within ${timeoutMs} ms: ${this.output()}`,
              false,
              { cause: err },
            );
          }
        }
        await sleep(100);
      }
    } finally {
      client.destroy();
    }
  }
}

/** A TCP port that is free on the loopback address right now. */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = net.createServer();
    server.unref();
    server.once('error', fail);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') done(address.port);
        else fail(new Error('no port assigned'));
      });
    });
  });
}
