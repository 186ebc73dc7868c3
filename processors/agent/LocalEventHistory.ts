import { existsSync } from 'node:fs';
import type { DriftEvent } from '../drift/types.js';
import { LocalEventLog } from '../events/LocalEventLog.js';
import type { TimeRange } from '../store/types.js';
import type { DriftEventHistory } from './types.js';

/** DriftEventHistory over the local pipeline's event log (DIR/drift-events.jsonl); a missing file has no events. */
export class LocalEventHistory implements DriftEventHistory {
  constructor(readonly path: string) {}

  /** Events whose time lies in the range, newest first, at most `limit`. */
  async recentEvents(options: { range: TimeRange; limit: number }): Promise<DriftEvent[]> {
    // Checked first: opening the log would create its directory, and the agent only reads.
    if (!existsSync(this.path)) return [];
    const inRange: { at: number; event: DriftEvent }[] = [];
    for (const event of LocalEventLog.open<DriftEvent>(this.path).read()) {
      const at = Date.parse(event.time);
      if (at >= options.range.from && at < options.range.to) inRange.push({ at, event });
    }
    return inRange
      .sort((a, b) => b.at - a.at)
      .slice(0, Math.max(0, options.limit))
      .map((e) => e.event);
  }
}
