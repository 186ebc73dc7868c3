import { type DriftPolicy, SEVERITY_BANDS } from './constants.js';
import type {
  DecisionRule,
  DriftDetailType,
  DriftState,
  FeatureScore,
  ScopeDecision,
  Severity,
} from './types.js';

/**
 * In-control average run length of a one-sided CUSUM with N(0, 1) increments, reference k and threshold h
 * (Siegmund's approximation, accurate to a few percent for the h used here).
 */
export function cusumArl0(k: number, h: number): number {
  const b = h + 1.166;
  if (k === 0) return b * b;
  const x = 2 * k * b;
  return (Math.exp(x) - x - 1) / (2 * k * k);
}

/** The CUSUM threshold h whose in-control run length is `arl0` windows (bisection on cusumArl0). */
export function cusumThreshold(k: number, arl0: number): number {
  let lo = 0;
  let hi = 1;
  while (cusumArl0(k, hi) < arl0) hi *= 2;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (cusumArl0(k, mid) < arl0) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Per-test significance and CUSUM threshold that keep a window's family-wise false-alarm rate at alpha. */
export interface Thresholds {
  /** Bonferroni: half of alpha over every per-window test. */
  alphaPerTest: number;
  /** h for one-sided CUSUMs whose combined false-alarm rate is the other half of alpha per window. */
  cusumH: number;
}

/** Thresholds for a monitor running `tests` per-window tests and `cusums` one-sided CUSUMs. */
export function thresholdsFor(policy: DriftPolicy, tests: number, cusums: number): Thresholds {
  return {
    alphaPerTest: policy.alpha / 2 / Math.max(tests, 1),
    cusumH: cusumThreshold(policy.cusumK, Math.max(cusums, 1) / (policy.alpha / 2)),
  };
}

/** A fresh decision memory for a scope with `features` tested features. */
export function initialScopeDecision(features: number): ScopeDecision {
  return {
    state: 'OK',
    recent: [],
    cleanStreak: 0,
    windowsInState: 0,
    cusum: Array.from({ length: features }, () => [0, 0, 0, 0]),
    episode: null,
    lastAnnouncedAt: null,
    evaluated: 0,
    suppressed: 0,
  };
}

/**
 * Advances the feature CUSUMs with this window's inputs (see sequentialInputs), marks the per-window
 * breaches, and returns the new CUSUM memory. A CUSUM that alarms restarts from zero, so a persisting
 * shift alarms again rather than growing for ever.
 */
export function applyTests(
  scores: FeatureScore[],
  cusum: readonly (readonly number[])[],
  thresholds: Thresholds,
): { cusum: number[][]; breach: boolean; sequentialAlarm: boolean } {
  let breach = false;
  let sequentialAlarm = false;
  const next = scores.map((s, i) => {
    const prev = cusum[i] ?? [0, 0, 0, 0];
    const { mean, variance, kMean, kVariance } = s.sequential;
    const c = [
      Math.max(0, (prev[0] ?? 0) + mean - kMean),
      Math.max(0, (prev[1] ?? 0) - mean - kMean),
      Math.max(0, (prev[2] ?? 0) + variance - kVariance),
      Math.max(0, (prev[3] ?? 0) - variance - kVariance),
    ];
    const peak = Math.max(...c);
    s.cusum = peak / thresholds.cusumH;
    s.breached = [];
    if (s.pMean < thresholds.alphaPerTest) s.breached.push('mean');
    if (s.pVariance < thresholds.alphaPerTest) s.breached.push('variance');
    if (s.pPsi < thresholds.alphaPerTest) s.breached.push('psi');
    if (s.breached.length > 0) breach = true;
    if (peak >= thresholds.cusumH) {
      s.breached.push('cusum');
      sequentialAlarm = true;
      return [0, 0, 0, 0];
    }
    return c;
  });
  return { cusum: next, breach, sequentialAlarm };
}

/** Severity of a window from its scores: the strongest effect among the breached features (all if none). */
export function severityOf(scores: readonly FeatureScore[]): Severity {
  const breached = scores.filter((s) => s.breached.length > 0);
  const pool = breached.length > 0 ? breached : scores;
  const level = (s: FeatureScore): number => {
    const vr = Math.max(s.varianceRatio, 1 / Math.max(s.varianceRatio, 1e-12));
    const at = (band: (typeof SEVERITY_BANDS)[keyof typeof SEVERITY_BANDS]) =>
      s.psi >= band.psi || Math.abs(s.meanShift) >= band.meanShift || vr >= band.varianceRatio;
    return at(SEVERITY_BANDS.high) ? 2 : at(SEVERITY_BANDS.medium) ? 1 : 0;
  };
  const max = pool.reduce((m, s) => Math.max(m, level(s)), 0);
  return (['low', 'medium', 'high'] as const)[max] ?? 'low';
}

function maxSeverity(a: Severity, b: Severity): Severity {
  const order: Severity[] = ['low', 'medium', 'high'];
  return order.indexOf(a) >= order.indexOf(b) ? a : b;
}

/** An event the state machine asks for; the core turns it into a DriftEvent. */
export interface Transition {
  detailType: DriftDetailType;
  rule: DecisionRule;
  previousState: DriftState;
  state: DriftState;
  severity: Severity;
  breachingWindows: number;
  windowsConsidered: number;
  driftWindows: number;
}

/** What one window's tests say about a scope. */
export interface WindowVerdict {
  breach: boolean;
  sequentialAlarm: boolean;
  severity: Severity;
}

/**
 * The hysteresis state machine of one scope. OK/WARN -> DRIFT when M of the last N windows breached or a
 * CUSUM alarmed; DRIFT -> OK only after K consecutive clean windows; WARN while any of the last N windows
 * breached. Events: FeatureDriftDetected when DRIFT starts (at most one per `cooldownWindows`; an onset
 * inside the cooldown is announced when the cooldown ends if it is still on), ModelRetrainingRecommended
 * once per announced fleet episode that still breaches after `retrainAfterWindows` in DRIFT or is high
 * severity, DriftResolved when an announced episode ends. Pure: returns the next memory and the transitions.
 */
export function stepScope(
  prev: ScopeDecision,
  verdict: WindowVerdict,
  cusum: number[][],
  policy: DriftPolicy,
  context: { seq: number; recommendsRetraining: boolean },
): { next: ScopeDecision; transitions: Transition[] } {
  const evaluated = prev.evaluated + 1;
  let recent = [...prev.recent, verdict.breach].slice(-policy.n);
  const breaches = recent.filter(Boolean).length;
  let state: DriftState = prev.state;
  let cleanStreak = prev.cleanStreak;
  let episode = prev.episode ? { ...prev.episode } : null;
  let lastAnnouncedAt = prev.lastAnnouncedAt;
  let suppressed = prev.suppressed;
  let rule: DecisionRule | undefined;
  const transitions: Transition[] = [];

  if (prev.state !== 'DRIFT') {
    if (breaches >= policy.m || verdict.sequentialAlarm) {
      state = 'DRIFT';
      rule = breaches >= policy.m ? 'm-of-n' : 'cusum';
      cleanStreak = 0;
      episode = {
        startSeq: context.seq,
        startedAt: evaluated,
        announced: false,
        retrainingRecommended: false,
        severity: verdict.severity,
      };
    } else {
      state = breaches > 0 ? 'WARN' : 'OK';
    }
  } else {
    cleanStreak = !verdict.breach && !verdict.sequentialAlarm ? cleanStreak + 1 : 0;
    if (episode && cleanStreak === 0) episode.severity = maxSeverity(episode.severity, verdict.severity);
    if (cleanStreak >= policy.k) {
      state = 'OK';
      rule = 'k-clean';
    }
  }

  const base = {
    previousState: prev.state,
    state,
    breachingWindows: breaches,
    windowsConsidered: recent.length,
  };
  const cooldownOver = lastAnnouncedAt === null || evaluated - lastAnnouncedAt >= policy.cooldownWindows;

  if (state === 'DRIFT' && episode) {
    const driftWindows = evaluated - episode.startedAt + 1;
    if (!episode.announced) {
      if (cooldownOver) {
        episode.announced = true;
        lastAnnouncedAt = evaluated;
        transitions.push({
          ...base,
          detailType: 'FeatureDriftDetected',
          rule: prev.state === 'DRIFT' ? 'cooldown-elapsed' : (rule ?? 'm-of-n'),
          severity: episode.severity,
          driftWindows,
        });
      } else if (prev.state !== 'DRIFT') {
        suppressed++;
      }
    }
    // Only while the drift is still showing: an episode that is already clearing up needs no retraining.
    const active = cleanStreak === 0;
    const persistent = driftWindows >= policy.retrainAfterWindows;
    if (
      context.recommendsRetraining &&
      active &&
      episode.announced &&
      !episode.retrainingRecommended &&
      (persistent || episode.severity === 'high')
    ) {
      episode.retrainingRecommended = true;
      transitions.push({
        ...base,
        detailType: 'ModelRetrainingRecommended',
        rule: persistent ? 'persistence' : 'severity',
        severity: episode.severity,
        driftWindows,
      });
    }
  }

  if (prev.state === 'DRIFT' && state === 'OK' && prev.episode) {
    if (prev.episode.announced) {
      transitions.push({
        ...base,
        detailType: 'DriftResolved',
        rule: 'k-clean',
        severity: prev.episode.severity,
        driftWindows: evaluated - prev.episode.startedAt,
      });
    }
    episode = null;
    // The breaches that opened the episode must not reopen it on the next window.
    recent = [];
    cleanStreak = 0;
  }

  return {
    next: {
      state,
      recent,
      cleanStreak,
      windowsInState: state === prev.state ? prev.windowsInState + 1 : 1,
      cusum,
      episode,
      lastAnnouncedAt,
      evaluated,
      suppressed,
    },
    transitions,
  };
}
