import type { RunnerNotice } from '../../stream/runner/types.js';
import type { UnreadRange } from '../../stream/runner/unreadRanges.js';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

/** One log line for something the runner reports while it runs; `endpoint` names the Kinesis endpoint it talks to. */
export function formatRunnerNotice(notice: RunnerNotice, endpoint: string): string {
  switch (notice.kind) {
    case 'engineUnreachable':
      return (
        `Kinesis endpoint ${endpoint} unreachable since ${new Date(notice.since).toISOString()} (${notice.error}); ` +
        (notice.patienceMs === undefined
          ? 'retrying until stopped'
          : `retrying for up to ${seconds(notice.patienceMs)}, then stopping cleanly`)
      );
    case 'engineReachable':
      return `Kinesis endpoint ${endpoint} answers again after ${seconds(notice.downMs)}; reading on from where each shard was`;
    case 'streamRecreated':
      return (
        `stream ${notice.streamName} was deleted and created again (created ${notice.createdAt || 'at an unknown time'}; ` +
        `the checkpoints kept were for the stream created ${notice.previousCreatedAt || 'at an unknown time'}): ` +
        'reading it from its starting position'
      );
  }
}

/** "engine unreachable since ..." for a progress line, or '' while the endpoint answers. */
export function engineStatus(unreachableSince: number | undefined, now = Date.now()): string {
  if (unreachableSince === undefined) return '';
  return `engine unreachable since ${new Date(unreachableSince).toISOString()} (${seconds(now - unreachableSince)})`;
}

/** One line per open shard saying which records were not handled when the run stopped. */
export function formatUnreadRanges(ranges: readonly UnreadRange[]): string[] {
  return ranges.map((r) => {
    const from = r.after === undefined ? 'every record from the start' : `every record after ${r.after}`;
    const read = r.readUpTo === undefined ? '' : ` (read up to ${r.readUpTo}, not handled)`;
    const tip =
      r.millisBehindLatest === undefined
        ? ''
        : r.millisBehindLatest === 0
          ? '; it was at the tip of the stream when last read'
          : `; ${r.millisBehindLatest} ms behind the tip when last read`;
    return `  ${r.shardId}: unhandled: ${from}${read}${tip}`;
  });
}
