import { freePort } from '../process/loopback.js';
import { KinesisLocal, type KinesisLocalOptions } from './KinesisLocal.js';

/** What a SupervisedKinesisLocal reports about its engine. */
export type EngineEvent =
  /** The engine exited without being asked to; it is started again on the same port. */
  | { kind: 'exited'; pid: number | undefined }
  /** It answers again, with the streams it had written to its persist folder. */
  | { kind: 'restarted'; pid: number | undefined; downMs: number }
  /** It could not be started again, or exited too often: no more restarts. */
  | { kind: 'gaveUp'; reason: string };

/** Options for {@link SupervisedKinesisLocal.start}. */
export interface SupervisedKinesisLocalOptions extends KinesisLocalOptions {
  /** Where the engine keeps its streams, so a restart loses nothing it had written (required: that is the point). */
  persistDir: string;
  /** Restarts before giving up; default 5. */
  maxRestarts?: number;
  onEvent?: (event: EngineEvent) => void;
}

/**
 * kinesis-local kept running for the length of a run: on a fixed port, its streams on disk, and started again on the
 * same port when it exits unasked, so the runner's clients carry on after a short outage instead of losing the stream.
 */
export class SupervisedKinesisLocal {
  private stopping = false;
  private restarts = 0;
  private restarting: Promise<void> | undefined;

  private constructor(
    private engine: KinesisLocal,
    private readonly opts: SupervisedKinesisLocalOptions & { port: number },
  ) {
    this.watch(engine);
  }

  /** Starts the engine (on `port`, or a free one kept for its restarts) and resolves once it answers. */
  static async start(opts: SupervisedKinesisLocalOptions): Promise<SupervisedKinesisLocal> {
    const port = opts.port ?? (await freePort());
    const engine = await KinesisLocal.start({ ...opts, port });
    return new SupervisedKinesisLocal(engine, { ...opts, port });
  }

  /** The endpoint, the same across restarts. */
  get endpoint(): string {
    return this.engine.endpoint;
  }

  /** The process id of the engine running now. */
  get pid(): number | undefined {
    return this.engine.pid;
  }

  /** Stops the engine (which writes its streams once more on the way out) and restarts it no more. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.restarting;
    await this.engine.stop();
  }

  private watch(engine: KinesisLocal): void {
    void engine.whenExited().then(() => {
      if (this.stopping || engine !== this.engine) return;
      this.restarting = this.restart(engine.pid);
    });
  }

  private async restart(pid: number | undefined): Promise<void> {
    const maxRestarts = this.opts.maxRestarts ?? 5;
    this.opts.onEvent?.({ kind: 'exited', pid });
    if (this.restarts >= maxRestarts) {
      const exits = this.restarts + 1;
      const times = exits === 1 ? 'once' : `${exits} times`;
      this.opts.onEvent?.({
        kind: 'gaveUp',
        reason: `it exited ${times}, and is restarted at most ${maxRestarts} times`,
      });
      return;
    }
    this.restarts++;
    const downSince = Date.now();
    try {
      const engine = await KinesisLocal.start(this.opts);
      if (this.stopping) {
        await engine.stop();
        return;
      }
      this.engine = engine;
      this.watch(engine);
      this.opts.onEvent?.({ kind: 'restarted', pid: engine.pid, downMs: Date.now() - downSince });
    } catch (err) {
      this.opts.onEvent?.({ kind: 'gaveUp', reason: err instanceof Error ? err.message : String(err) });
    }
  }
}
