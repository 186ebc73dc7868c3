import { PfmError } from '../../kernel/errors.js';
import type { TimeRange } from '../store/types.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const UNIT_MS = { minutes: 60_000, hours: HOUR_MS, days: DAY_MS } as const;
/** The longest rolling period a tool accepts, per unit (a year). */
const MAX_UNITS = { minutes: 366 * 24 * 60, hours: 366 * 24, days: 366 } as const;

/** What a period parameter may look like, for error messages and the agent's function descriptions. */
export const PERIOD_HELP =
  'today, yesterday, this_week (since Monday 00:00 UTC), last_week (the Monday-to-Monday week before), or last_<N>_<minutes|hours|days> (e.g. last_24_hours, last_7_days)';
/** The period a tool uses when none is given. */
export const DEFAULT_PERIOD = 'last_24_hours';

const ROLLING = /^last_(\d{1,6})_(minutes?|hours?|days?)$/;

/** A named period resolved against a clock: UTC calendar days and ISO weeks, or a rolling window ending now. */
export interface ResolvedPeriod {
  name: string;
  range: TimeRange;
}

function invalid(text: string): never {
  throw new PfmError('INVALID_TOOL_INPUT', `period "${clip(text)}" is not one of: ${PERIOD_HELP}`);
}

/** At most 40 characters of user text, for an error message. */
export function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/**
 * Resolves a period name at `now` (epoch ms). Calendar periods are UTC: `today` runs from 00:00 UTC to now,
 * `this_week` from Monday 00:00 UTC. Anything else throws INVALID_TOOL_INPUT naming the accepted forms.
 */
export function resolvePeriod(text: string, now: number): ResolvedPeriod {
  if (typeof text !== 'string' || text.length > 40) invalid(String(text));
  const name = text
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  // Half-open ranges: one millisecond past `now` keeps a reading stamped exactly now.
  const end = now + 1;
  const midnight = Math.floor(now / DAY_MS) * DAY_MS;
  // 1970-01-01 was a Thursday: days since the epoch + 3, mod 7, counts days since Monday.
  const monday = midnight - ((Math.floor(now / DAY_MS) + 3) % 7) * DAY_MS;
  switch (name) {
    case 'today':
      return { name, range: { from: midnight, to: end } };
    case 'yesterday':
      return { name, range: { from: midnight - DAY_MS, to: midnight } };
    case 'this_week':
      return { name, range: { from: monday, to: end } };
    case 'last_week':
      return { name, range: { from: monday - 7 * DAY_MS, to: monday } };
  }
  const rolling = ROLLING.exec(name);
  if (!rolling) invalid(text);
  const n = Number(rolling[1]);
  const unit = (rolling[2]?.endsWith('s') ? rolling[2] : `${rolling[2]}s`) as keyof typeof UNIT_MS;
  if (n < 1 || n > MAX_UNITS[unit]) {
    throw new PfmError(
      'INVALID_TOOL_INPUT',
      `period "${clip(text)}": N must be from 1 to ${MAX_UNITS[unit]} ${unit}`,
    );
  }
  return { name: `last_${n}_${unit}`, range: { from: end - n * UNIT_MS[unit], to: end } };
}
