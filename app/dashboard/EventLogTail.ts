import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { DriftEvent } from '../../processors/drift/types.js';
import { parseEventLines } from './views.js';

/** Events kept in memory at most (a drift monitor emits a handful per episode). */
const MAX_EVENTS = 10_000;

/**
 * Follows the run's drift-events.jsonl: each read parses only the complete lines appended since the last one,
 * and starts over when a new run replaced the file.
 */
export class EventLogTail {
  private offset = 0;
  private inode: number | undefined;
  private events: DriftEvent[] = [];
  private readonly ids = new Set<string>();

  constructor(readonly path: string) {}

  /** Every event in the log so far, oldest first; an absent log has none. */
  read(): readonly DriftEvent[] {
    let size: number;
    let inode: number;
    try {
      ({ size, ino: inode } = statSync(this.path));
    } catch {
      this.reset(undefined);
      return this.events;
    }
    if (inode !== this.inode || size < this.offset) this.reset(inode);
    if (size === this.offset) return this.events;
    const chunk = Buffer.alloc(size - this.offset);
    const fd = openSync(this.path, 'r');
    try {
      readSync(fd, chunk, 0, chunk.length, this.offset);
    } finally {
      closeSync(fd);
    }
    // Only whole lines: the writer may be halfway through appending the last one.
    const end = chunk.lastIndexOf(0x0a);
    if (end < 0) return this.events;
    this.offset += end + 1;
    for (const event of parseEventLines(chunk.subarray(0, end + 1).toString('utf8'))) {
      if (this.ids.has(event.detail.eventId)) continue;
      this.ids.add(event.detail.eventId);
      this.events.push(event);
    }
    if (this.events.length > MAX_EVENTS) this.events = this.events.slice(-MAX_EVENTS);
    return this.events;
  }

  private reset(inode: number | undefined): void {
    this.inode = inode;
    this.offset = 0;
    this.events = [];
    this.ids.clear();
  }
}
