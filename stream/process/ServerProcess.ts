import type { ChildProcess } from 'node:child_process';
import type net from 'node:net';
import { sleep } from '../../kernel/backoff.js';

const OUTPUT_TAIL_CHARS = 8_000;

/** How {@link ServerProcess.waitReady} polls, and the errors it throws when the server does not come up. */
export interface ReadyCheck {
  /** One try: true once the server answers; false or a throw while it does not yet. */
  probe(): Promise<boolean>;
  timeoutMs: number;
  /** Pause between tries. */
  intervalMs: number;
  /** The error for a process that exited before it was ready. */
  exited(exitCode: number | null): Error;
  /** The error for a deadline passed; `lastError` is what the last try threw, if it threw. */
  timedOut(lastError: unknown): Error;
}

/**
 * A server in a child process (kinesis-local, influxd): it never keeps the parent alive, is killed when the parent
 * exits, keeps the tail of its output for error messages, and stops with SIGTERM, then SIGKILL after a grace period.
 */
export class ServerProcess {
  private hasExited = false;
  private readonly exitedPromise: Promise<void>;
  private tail = '';
  private readonly killOnExit = (): void => {
    this.child.kill('SIGKILL');
  };

  /** Takes over a child just spawned; `stopTimeoutMs` is how long stop() waits after SIGTERM before SIGKILL. */
  constructor(
    readonly child: ChildProcess,
    private readonly stopTimeoutMs: number,
  ) {
    this.exitedPromise = new Promise((done) => {
      const finish = (): void => {
        this.hasExited = true;
        done();
      };
      child.once('exit', finish);
      // A failed spawn emits 'error' and never 'exit'.
      child.once('error', finish);
    });
    const keepTail = (chunk: Buffer): void => {
      this.tail = (this.tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout?.on('data', keepTail);
    child.stderr?.on('data', keepTail);
    // Neither the server nor its pipes may keep the parent alive; the exit hook (and an IPC channel) kill it.
    child.unref();
    child.channel?.unref();
    for (const stream of [child.stdout, child.stderr]) (stream as net.Socket | null)?.unref();
    process.once('exit', this.killOnExit);
  }

  /** Whether the process has exited (or never started). */
  get exited(): boolean {
    return this.hasExited;
  }

  /** Resolves once the process has exited, whoever ended it. */
  whenExited(): Promise<void> {
    return this.exitedPromise;
  }

  /** The last 8,000 characters of its stdout and stderr; empty when they go elsewhere (a log file). */
  output(): string {
    return this.tail;
  }

  /** Polls until the probe answers true; throws the check's error on an early exit or once the deadline passes. */
  async waitReady(check: ReadyCheck): Promise<void> {
    const deadline = Date.now() + check.timeoutMs;
    for (;;) {
      if (this.hasExited) throw check.exited(this.child.exitCode);
      let lastError: unknown;
      try {
        if (await check.probe()) return;
      } catch (error) {
        lastError = error;
      }
      if (Date.now() > deadline) throw check.timedOut(lastError);
      await sleep(check.intervalMs);
    }
  }

  /** SIGTERM, then SIGKILL if it has not gone after the stop timeout (some servers ignore SIGTERM). */
  async stop(): Promise<void> {
    process.removeListener('exit', this.killOnExit);
    if (this.hasExited) return;
    // Waiting for the exit must keep this process alive (the child is unref'd so that it never does otherwise).
    this.child.ref();
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.exitedPromise.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), this.stopTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.child.kill('SIGKILL');
      await this.exitedPromise;
    }
  }
}
