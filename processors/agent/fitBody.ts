import type { ToolResult } from './types.js';

/**
 * The most characters an action-group body is given. Bedrock caps what a function may hand back to the agent
 * (25 KB per its agent quotas); the body is kept under that with room for the response envelope.
 */
export const MAX_BODY_CHARS = 20_000;

type Lists = { machines?: unknown[]; recent?: unknown[]; alarms?: unknown[]; events?: { items: unknown[] } };

function lists(r: Lists): unknown[][] {
  return [r.machines, r.recent, r.alarms, r.events?.items].filter((l): l is unknown[] => Array.isArray(l));
}

/**
 * A tool result as JSON of at most `maxChars`: when it is longer, the longest lists (machines, readings, alarms,
 * events) lose their last (least risky, oldest) entries until it fits, and the result says it was trimmed.
 */
export function fitBody(result: ToolResult, maxChars: number = MAX_BODY_CHARS): string {
  let body = JSON.stringify(result);
  if (body.length <= maxChars) return body;
  const copy = structuredClone(result) as ToolResult & Lists & { trimmed?: string };
  const before = lists(copy).reduce((n, l) => n + l.length, 0);
  while (body.length > maxChars) {
    const longest = lists(copy).sort((a, b) => b.length - a.length)[0];
    if (!longest || longest.length === 0) break;
    longest.pop();
    const kept = lists(copy).reduce((n, l) => n + l.length, 0);
    copy.trimmed = `${before - kept} of ${before} list entries left out to fit the agent's response size; ask for a smaller limit`;
    body = JSON.stringify(copy);
  }
  return body;
}
