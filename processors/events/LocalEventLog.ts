import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PfmError } from '../../kernel/errors.js';
import type { BusEvent, EventPublisher } from './types.js';

/** The file name of the local event log inside a data directory. */
export const EVENT_LOG_FILE = 'drift-events.jsonl';

/**
 * The local pipeline's stand-in for EventBridge: one JSON line per event, appended. Idempotent by event id
 * (ids already in the file are skipped), so a re-evaluated or redelivered window never logs an event twice.
 */
export class LocalEventLog<E extends BusEvent = BusEvent> implements EventPublisher<E> {
  private readonly ids = new Set<string>();

  private constructor(readonly path: string) {}

  /** Opens (creating its directory) the log at `path` and remembers the ids already in it. */
  static open<E extends BusEvent = BusEvent>(path: string): LocalEventLog<E> {
    const log = new LocalEventLog<E>(path);
    mkdirSync(dirname(path), { recursive: true });
    for (const event of log.read()) log.ids.add(event.detail.eventId);
    return log;
  }

  /** Appends the events whose id the log does not hold yet. */
  async publish(events: readonly E[]): Promise<void> {
    const fresh: E[] = [];
    for (const event of events) {
      if (this.ids.has(event.detail.eventId)) continue;
      this.ids.add(event.detail.eventId);
      fresh.push(event);
    }
    if (fresh.length === 0) return;
    try {
      appendFileSync(this.path, fresh.map((e) => `${JSON.stringify(e)}\n`).join(''));
    } catch (error) {
      for (const e of fresh) this.ids.delete(e.detail.eventId);
      throw new PfmError('SINK_UNAVAILABLE', `cannot append to ${this.path}: ${(error as Error).message}`, {
        retryable: true,
        cause: error,
      });
    }
  }

  /** Every event in the log, oldest first (a torn last line from a crash is skipped). */
  read(): E[] {
    if (!existsSync(this.path)) return [];
    const events: E[] = [];
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        events.push(JSON.parse(line) as E);
      } catch {
        // A partial line can only be the last one of a crashed append; the event is re-published on retry.
      }
    }
    return events;
  }
}
