import type { EventPublisher } from '../events/types.js';
import type { KinesisHandler } from '../inference/handler.js';
import type { DriftCore } from './core.js';
import { createDriftHandler, type DriftBatch } from './handler.js';
import { stuckSensorsOf } from './stuck.js';
import type {
  ClosedWindow,
  DriftDetailType,
  DriftEvent,
  DriftScoreSink,
  DriftState,
  Evaluation,
  FeatureScore,
  MonitorState,
  ScopeKey,
  Sensor,
  WindowState,
} from './types.js';
import { emptyWindow } from './window.js';

export interface DriftMonitorOptions {
  core: DriftCore;
  publisher: EventPublisher;
  scoreSink: DriftScoreSink;
  /** Readings per window across the fleet; each shard contributes in proportion to its reading rate. */
  windowRecords: number;
  /** Also close a window once it has been open this long on `clock` (time windows); off when absent. */
  windowMs?: number;
  /** Injected clock (epoch ms): time windows and the snapshot's ages. */
  clock: () => number;
  /** Decision memory to resume from (e.g. read back from a file); a fresh monitor starts from OK. */
  initialState?: MonitorState;
  /** Called after each window's scores and events were written and published. */
  onEvaluation?: (evaluation: Evaluation) => void;
  /** How many of the latest events the snapshot keeps; default 20. */
  recentEvents?: number;
  /** How far (in windows) shards may run ahead of the slowest before its window closes without it; default 8. */
  maxOpenWindows?: number;
}

/** What `pfm run` shows live: each scope's state, the fleet's top features, the events so far. */
export interface DriftSnapshot {
  fleet: DriftState;
  scopes: Partial<Record<ScopeKey, { state: DriftState; windowsInState: number; suppressed: number }>>;
  /** The fleet scope's features in the last evaluated window, most significant first. */
  features: FeatureScore[];
  windows: {
    evaluated: number;
    windowRecords: number;
    /** Readings in the oldest open window. */
    openRecords: number;
    lastWindow: { seq: number; start: number; end: number; records: number } | null;
  };
  events: { emitted: number; byType: Record<DriftDetailType, number>; recent: DriftEvent[] };
  /**
   * Sensors flagged as stuck now, by device then sensor: the value they repeat, the longest run of identical
   * readings since they were flagged, the calibrated run that flags one, and the windows since (SensorStuck
   * events announce them, SensorRecovered events clear them).
   */
  stuckSensors: StuckSensorStatus[];
  /** Records skipped: undecodable or physically impossible (`undecodable`), or already counted (redelivery). */
  undecodable: number;
  duplicates: number;
  /** Evaluations waiting for the score sink or the publisher to come back. */
  pending: number;
}

/** A sensor of one device flagged as stuck (see DriftSnapshot.stuckSensors). */
export interface StuckSensorStatus {
  deviceId: string;
  sensor: Sensor;
  value: number;
  run: number;
  runThreshold: number;
  windows: number;
}

interface OpenWindow {
  seq: number;
  state: WindowState;
  openedAt: number;
  /** Each shard's share of this window, set when the window opened (or when a shard joined). */
  quota: Map<string, number>;
  filled: Map<string, number>;
}

/**
 * The drift monitor of the local pipeline: a second consumer of the readings stream with its own runner.
 * Count windows are filled fairly across shards (each shard gives a share in proportion to its reading
 * rate, so a window is a sample of the whole fleet whatever the batch interleaving), merged exactly and
 * evaluated by the pure core; scores go to the score sink, events to the publisher. Redelivered records
 * are recognized by their sequence numbers.
 */
export class DriftMonitor {
  /** The Lambda-style handler to give an EventSourceRunner. */
  readonly handler: KinesisHandler;
  private readonly open: OpenWindow[] = [];
  private readonly shardCursor = new Map<string, number>();
  /** Per shard: readings seen and their first and last timestamps, to tell the shards' reading rates. */
  private readonly shardRate = new Map<string, { count: number; first: number; last: number }>();
  private readonly highWater = new Map<string, bigint>();
  private readonly pendingEvaluations: Evaluation[] = [];
  private readonly recent: DriftEvent[] = [];
  private readonly byType: Record<DriftDetailType, number> = {
    FeatureDriftDetected: 0,
    ModelRetrainingRecommended: 0,
    DriftResolved: 0,
    SensorStuck: 0,
    SensorRecovered: 0,
  };
  private state: MonitorState;
  private nextSeq: number;
  private lastScores: FeatureScore[] = [];
  private lastWindow: DriftSnapshot['windows']['lastWindow'] = null;
  private evaluated = 0;
  private undecodable = 0;
  private duplicates = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: DriftMonitorOptions) {
    if (!Number.isSafeInteger(options.windowRecords) || options.windowRecords < 1) {
      throw new RangeError(`windowRecords must be a positive integer, got ${options.windowRecords}`);
    }
    this.state = options.initialState ?? options.core.initialState();
    this.nextSeq = (this.state.lastSeq ?? 0) + 1;
    this.handler = createDriftHandler({ monitor: this });
  }

  /** Folds one shard's decoded batch in, closes and evaluates every window that is complete. */
  ingest(batch: DriftBatch): Promise<void> {
    return this.serialize(async () => {
      const hw = this.highWater.get(batch.shardId);
      let cursor = this.shardCursor.get(batch.shardId);
      if (cursor === undefined) {
        // A shard joins: the windows still open now need a smaller share from each shard.
        cursor = this.oldestOpenSeq();
        this.shardCursor.set(batch.shardId, cursor);
        for (const w of this.open) w.quota = this.quotas();
      }
      let last = hw;
      for (const record of batch.records) {
        const seq = BigInt(record.sequenceNumber);
        if (hw !== undefined && seq <= hw) {
          this.duplicates++;
          continue;
        }
        if (last === undefined || seq > last) last = seq;
        if (record.reading === undefined) {
          this.undecodable++;
          continue;
        }
        const window = this.windowFor(cursor);
        this.options.core.add(window.state, record.reading);
        const filled = (window.filled.get(batch.shardId) ?? 0) + 1;
        window.filled.set(batch.shardId, filled);
        this.countRate(batch.shardId, record.reading.timestamp);
        if (!window.quota.has(batch.shardId)) window.quota = this.quotas();
        if (filled >= (window.quota.get(batch.shardId) ?? 1)) cursor = window.seq + 1;
      }
      if (last !== undefined) this.highWater.set(batch.shardId, last);
      this.shardCursor.set(batch.shardId, cursor);
      this.closeDue(false);
      await this.drain();
    });
  }

  /** Closes a time window that is due (call it from a timer when windowMs is set) and retries pending output. */
  tick(): Promise<void> {
    return this.serialize(async () => {
      this.closeDue(false);
      await this.drain();
    });
  }

  /** Closes and evaluates whatever is open (at shutdown), then waits for its output. */
  flush(): Promise<void> {
    return this.serialize(async () => {
      this.closeDue(true);
      await this.drain();
    });
  }

  /** The decision memory, to persist between runs. */
  monitorState(): MonitorState {
    return this.state;
  }

  /** The current state for a live display. */
  snapshot(): DriftSnapshot {
    const scopes: DriftSnapshot['scopes'] = {};
    for (const [key, d] of Object.entries(this.state.scopes) as [
      ScopeKey,
      NonNullable<MonitorState['scopes'][ScopeKey]>,
    ][]) {
      scopes[key] = { state: d.state, windowsInState: d.windowsInState, suppressed: d.suppressed };
    }
    return {
      fleet: this.state.scopes.fleet?.state ?? 'OK',
      scopes,
      features: this.lastScores,
      windows: {
        evaluated: this.evaluated,
        windowRecords: this.options.windowRecords,
        openRecords: this.open[0]?.state.records ?? 0,
        lastWindow: this.lastWindow,
      },
      events: {
        emitted: Object.values(this.byType).reduce((a, b) => a + b, 0),
        byType: { ...this.byType },
        recent: [...this.recent],
      },
      stuckSensors: stuckSensorsOf(this.state.devices, this.options.core.calibration?.sensors),
      undecodable: this.undecodable,
      duplicates: this.duplicates,
      pending: this.pendingEvaluations.length,
    };
  }

  private oldestOpenSeq(): number {
    return this.open[0]?.seq ?? this.nextSeq;
  }

  private countRate(shardId: string, timestamp: number): void {
    const r = this.shardRate.get(shardId);
    if (!r) this.shardRate.set(shardId, { count: 1, first: timestamp, last: timestamp });
    else {
      r.count++;
      if (timestamp < r.first) r.first = timestamp;
      if (timestamp > r.last) r.last = timestamp;
    }
  }

  /**
   * Each known shard's share of a window, in proportion to its readings per unit of reading time: shards
   * hold different numbers of machines (partition keys hash unevenly), and a window should hold about the
   * same number of readings from every machine, as a replay of the fleet would. Equal shares until every
   * shard has shown a rate.
   */
  private quotas(): Map<string, number> {
    const shards = [...this.shardCursor.keys()];
    const rates = shards.map((s) => {
      const r = this.shardRate.get(s);
      return r && r.last > r.first ? r.count / (r.last - r.first) : Number.NaN;
    });
    const total = rates.reduce((a, b) => a + b, 0);
    const known = Number.isFinite(total) && total > 0;
    return new Map(
      shards.map((s, i) => [
        s,
        Math.max(
          1,
          Math.round(this.options.windowRecords * (known ? (rates[i] as number) / total : 1 / shards.length)),
        ),
      ]),
    );
  }

  private windowFor(wanted: number): OpenWindow {
    const seq = Math.max(wanted, this.oldestOpenSeq());
    let window = this.open.find((w) => w.seq === seq);
    while (!window) {
      const last = this.open[this.open.length - 1];
      const nextSeq = last ? last.seq + 1 : this.nextSeq;
      window = {
        seq: nextSeq,
        state: emptyWindow(),
        openedAt: this.options.clock(),
        quota: this.quotas(),
        filled: new Map(),
      };
      this.open.push(window);
      if (nextSeq !== seq) window = undefined;
    }
    return window;
  }

  /**
   * Closes, in order, every open window that all known shards have filled, that has been open windowMs, or
   * that the fastest shard has run too far ahead of; with `all`, everything that is open.
   */
  private closeDue(all: boolean): void {
    const maxOpen = this.options.maxOpenWindows ?? 8;
    while (this.open.length > 0) {
      const w = this.open[0] as OpenWindow;
      const shards = [...this.shardCursor.keys()];
      const full = shards.length > 0 && shards.every((s) => (w.filled.get(s) ?? 0) >= (w.quota.get(s) ?? 0));
      const timedOut =
        this.options.windowMs !== undefined && this.options.clock() - w.openedAt >= this.options.windowMs;
      const overrun = this.open.length > maxOpen;
      if (!(full || timedOut || overrun || all)) break;
      this.open.shift();
      for (const [shard, cursor] of this.shardCursor) {
        // A shard that gave nothing to a window closed without it has gone quiet (or was closed by a
        // reshard): stop waiting for it; its next record brings it back.
        if (overrun && !w.filled.has(shard)) this.shardCursor.delete(shard);
        else if (cursor <= w.seq) this.shardCursor.set(shard, w.seq + 1);
      }
      this.nextSeq = w.seq + 1;
      if (w.state.records === 0) continue;
      const closed: ClosedWindow = {
        seq: w.seq,
        start: w.state.firstReadingAt ?? w.openedAt,
        end: w.state.lastReadingAt ?? w.openedAt,
        state: w.state,
        terminatedEarly: !full && !timedOut,
      };
      const evaluation = this.options.core.evaluate(closed, this.state);
      if (!evaluation.applied) continue;
      // The decision memory moves on now; the output is retried until the sinks take it.
      this.state = evaluation.state;
      this.pendingEvaluations.push(evaluation);
    }
  }

  private async drain(): Promise<void> {
    while (this.pendingEvaluations.length > 0) {
      const evaluation = this.pendingEvaluations[0] as Evaluation;
      // Both are idempotent (rows keyed by window, events by id): after a failure the whole step is redone.
      await this.options.scoreSink.writeDriftScores(evaluation.rows);
      await this.options.publisher.publish(evaluation.events);
      this.pendingEvaluations.shift();
      this.evaluated++;
      const w = evaluation.window;
      this.lastWindow = { seq: w.seq, start: w.start, end: w.end, records: w.state.records };
      if (evaluation.scores.fleet) {
        this.lastScores = [...evaluation.scores.fleet].sort((a, b) => a.minP - b.minP || b.psi - a.psi);
      }
      for (const event of evaluation.events) {
        this.byType[event.detailType]++;
        this.recent.push(event);
      }
      this.recent.splice(0, Math.max(0, this.recent.length - (this.options.recentEvents ?? 20)));
      this.options.onEvaluation?.(evaluation);
    }
  }

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
