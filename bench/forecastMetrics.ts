// The scoring of a warning method against ground truth, for `npm run bench -- forecast`: lead times,
// false warnings, Brier scores and calibration tables. Pure functions over plain arrays.

/** A method's warning state for one machine: on or off from each decision instant to the next. */
export interface WarningTrack {
  /** Decision instants, ascending (epoch ms). */
  times: number[];
  on: boolean[];
  /** The modes a warning that starts at this instant is about (its attribution). */
  modes: (readonly string[])[];
}

/** One failure as the simulator's ground truth records it. */
export interface FailureEvent {
  machine: number;
  time: number;
  modes: readonly string[];
}

/** A maximal run of "on" decisions. */
export interface Episode {
  machine: number;
  start: number;
  modes: readonly string[];
}

/** What a method achieved on one set of failures. */
export interface WarningScore {
  failures: number;
  /** Failures with the warning on when they struck (any lead). */
  caught: number;
  /** ... on since at least 30 minutes / 2 hours before. */
  caught30m: number;
  caught1h: number;
  caught2h: number;
  episodes: number;
  /** Episodes not followed by a failure (of the attributed mode, for a per-mode score) within the window. */
  falseEpisodes: number;
}

const MINUTE_MS = 60_000;

/**
 * The lead of the warning in force at `time` (ms since the start of its run), or null if none is: the
 * state of a track at time t is that of its last decision at or before t.
 */
export function leadAt(track: WarningTrack, time: number): number | null {
  let lo = 0;
  let hi = track.times.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((track.times[mid] as number) <= time) {
      at = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (at < 0 || !track.on[at]) return null;
  let start = at;
  while (start > 0 && track.on[start - 1]) start--;
  return time - (track.times[start] as number);
}

/** The runs of "on" of a track that start within [from, to]. */
export function episodesOf(track: WarningTrack, machine: number, from: number, to: number): Episode[] {
  const out: Episode[] = [];
  for (let i = 0; i < track.times.length; i++) {
    const t = track.times[i] as number;
    if (track.on[i] && (i === 0 || !track.on[i - 1]) && t >= from && t <= to) {
      out.push({ machine, start: t, modes: track.modes[i] ?? [] });
    }
  }
  return out;
}

/**
 * Scores warning tracks (one per machine) against failures: per mode (failures of that mode; episodes
 * attributed to it, false when no failure of that mode follows within `windowMs`) and overall (every
 * failure; an episode is false when no failure at all follows within the window).
 */
export function scoreWarnings(args: {
  tracks: readonly WarningTrack[];
  failures: readonly FailureEvent[];
  /** Failures and episode starts counted: within [from, to]. */
  from: number;
  to: number;
  windowMs: number;
  modes: readonly string[];
}): { byMode: Record<string, WarningScore>; overall: WarningScore } {
  const { tracks, failures, from, to, windowMs, modes } = args;
  const empty = (): WarningScore => ({
    failures: 0,
    caught: 0,
    caught30m: 0,
    caught1h: 0,
    caught2h: 0,
    episodes: 0,
    falseEpisodes: 0,
  });
  const byMode: Record<string, WarningScore> = Object.fromEntries(modes.map((m) => [m, empty()]));
  const overall = empty();
  const byMachine = new Map<number, FailureEvent[]>();
  for (const f of failures) {
    const list = byMachine.get(f.machine) ?? [];
    list.push(f);
    byMachine.set(f.machine, list);
    if (f.time < from || f.time > to) continue;
    const lead = leadAt(tracks[f.machine] as WarningTrack, f.time);
    const count = (s: WarningScore): void => {
      s.failures++;
      if (lead === null) return;
      s.caught++;
      if (lead >= 30 * MINUTE_MS) s.caught30m++;
      if (lead >= 60 * MINUTE_MS) s.caught1h++;
      if (lead >= 120 * MINUTE_MS) s.caught2h++;
    };
    count(overall);
    for (const m of f.modes) if (byMode[m]) count(byMode[m]);
  }
  tracks.forEach((track, machine) => {
    const own = byMachine.get(machine) ?? [];
    for (const e of episodesOf(track, machine, from, to)) {
      const following = own.filter((f) => f.time >= e.start && f.time <= e.start + windowMs);
      overall.episodes++;
      if (following.length === 0) overall.falseEpisodes++;
      for (const m of e.modes) {
        const s = byMode[m];
        if (!s) continue;
        s.episodes++;
        if (!following.some((f) => f.modes.includes(m))) s.falseEpisodes++;
      }
    }
  });
  return { byMode, overall };
}

/** Probability forecasts of one event and what happened. */
export interface ProbabilityOutcomes {
  predicted: number[];
  observed: boolean[];
}

/** Brier score, and the Brier score of always forecasting the observed base rate (the climatology). */
export function brier(po: ProbabilityOutcomes): {
  brier: number;
  reference: number;
  baseRate: number;
  n: number;
} {
  const n = po.predicted.length;
  let sum = 0;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const y = po.observed[i] ? 1 : 0;
    hits += y;
    sum += ((po.predicted[i] as number) - y) ** 2;
  }
  const baseRate = n > 0 ? hits / n : Number.NaN;
  let reference = 0;
  for (let i = 0; i < n; i++) reference += (baseRate - (po.observed[i] ? 1 : 0)) ** 2;
  return { brier: sum / n, reference: reference / n, baseRate, n };
}

/** Reliability table: forecasts binned by probability; mean forecast against observed frequency. */
export function calibrationTable(
  po: ProbabilityOutcomes,
  edges: readonly number[] = [0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1],
): { lo: number; hi: number; n: number; meanPredicted: number; observed: number }[] {
  const bins = edges.slice(0, -1).map((lo, i) => ({ lo, hi: edges[i + 1] as number, n: 0, sp: 0, so: 0 }));
  po.predicted.forEach((p, i) => {
    let b = bins.findIndex((bin) => p < bin.hi);
    if (b < 0) b = bins.length - 1;
    const bin = bins[b] as (typeof bins)[number];
    bin.n++;
    bin.sp += p;
    bin.so += po.observed[i] ? 1 : 0;
  });
  return bins.map((b) => ({
    lo: b.lo,
    hi: b.hi,
    n: b.n,
    meanPredicted: b.n > 0 ? b.sp / b.n : Number.NaN,
    observed: b.n > 0 ? b.so / b.n : Number.NaN,
  }));
}
