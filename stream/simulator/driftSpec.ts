import { DURATION_UNITS_MS, formatDuration } from './duration.js';
import { SimulatorError } from './errors.js';
import {
  DRIFT_FEATURES,
  DRIFT_KINDS,
  type DriftFeature,
  type DriftInjection,
  type DriftKind,
} from './types.js';

const RELATIVE_TIME = /^\+(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const FRACTION = /^(\d+(?:\.\d+)?)%$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;
const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The reading time a run covers: its first reading slot and, unless it runs on live, its last reading. */
export interface RunSpan {
  start: number;
  /** Absent for a run that goes on live until stopped. */
  end?: number;
}

/**
 * Parses a drift flag of the form
 *
 *   <feature>:<kind>[:<amount>][:<device>,<device>...]@<time>
 *
 * - feature: airTemperatureK | processTemperatureK | rotationalSpeedRpm | torqueNm | toolWearMin
 * - kind: offset | scale | noise | stuck; amount is a number, required except for stuck (where it is
 *   optional and ignored); noise needs amount >= 0
 * - devices: comma-separated device ids (e.g. M-0001,M-0002); every machine when left out
 * - time: an ISO-8601 instant with zone (2026-01-01T00:10:00Z), +<n><ms|s|m|h|d> after the run's start, or
 *   <n>% of the run (0% its first reading, 100% its last; needs a run with an end)
 *
 * Examples: `torqueNm:offset:5@2026-01-01T00:10:00Z`, `airTemperatureK:stuck@+600s`,
 * `torqueNm:scale:1.3:M-0001,M-0002@+0s`, `torqueNm:offset:8@50%`. Given a run's span (an object), a drift
 * that would start before its first reading or after its last one is refused: it would silently do nothing,
 * or drift a sensor from before the run. A bare number is only the base of relative times. Throws
 * SimulatorError naming the bad part.
 */
export function parseDriftSpec(text: string, run?: number | RunSpan): DriftInjection {
  const fail = (why: string): never => {
    throw new SimulatorError('INVALID_DRIFT_SPEC', `invalid drift spec "${text}": ${why}`);
  };
  const at = text.lastIndexOf('@');
  if (at < 0) fail('missing "@<time>" (e.g. @+600s or @2026-01-01T00:10:00Z)');
  const head = text.slice(0, at).trim();
  const time = text.slice(at + 1).trim();
  const parts = head.split(':').map((p) => p.trim());
  const [featureText = '', kindText, ...rest] = parts;

  if (!isOneOf(DRIFT_FEATURES, featureText)) {
    return fail(`unknown feature "${featureText}" (expected ${DRIFT_FEATURES.join(' | ')})`);
  }
  if (kindText === undefined || kindText === '') return fail('missing kind after the feature');
  if (!isOneOf(DRIFT_KINDS, kindText)) {
    return fail(`unknown kind "${kindText}" (expected ${DRIFT_KINDS.join(' | ')})`);
  }
  const feature: DriftFeature = featureText;
  const kind: DriftKind = kindText;

  let amount = 0;
  const amountText = rest[0];
  const takesAmount = kind !== 'stuck' || (amountText !== undefined && looksNumeric(amountText));
  if (takesAmount) {
    if (amountText === undefined || amountText === '') return fail(`missing amount for kind "${kind}"`);
    amount = Number(amountText);
    if (!looksNumeric(amountText) || !Number.isFinite(amount))
      return fail(`amount "${amountText}" is not a number`);
    if (kind === 'noise' && amount < 0) return fail(`noise amount "${amountText}" must be >= 0`);
    rest.shift();
  }

  let machines: string[] | undefined;
  const machinesText = rest.shift();
  if (machinesText !== undefined) {
    machines = machinesText.split(',').map((m) => m.trim());
    const bad = machines.find((m) => !DEVICE_ID.test(m));
    if (bad !== undefined) return fail(`bad device id "${bad}" in "${machinesText}"`);
  }
  if (rest.length > 0) return fail(`unexpected "${rest.join(':')}" after the device list`);

  const span = typeof run === 'number' ? { start: run } : run;
  const fromTime = parseTime(time, span, fail);
  if (typeof run === 'object') checkWithinRun(fromTime, run, fail);
  return machines === undefined
    ? { feature, kind, amount, fromTime }
    : { feature, kind, amount, machines, fromTime };
}

function parseTime(time: string, span: RunSpan | undefined, fail: (why: string) => never): number {
  if (time === '') return fail('missing time after "@"');
  const relative = RELATIVE_TIME.exec(time);
  if (relative) {
    if (span === undefined) return fail(`relative time "${time}" needs the simulation's start time`);
    const unit = relative[2] as keyof typeof DURATION_UNITS_MS;
    return span.start + Math.round(Number(relative[1]) * DURATION_UNITS_MS[unit]);
  }
  const fraction = FRACTION.exec(time);
  if (fraction) {
    const share = Number(fraction[1]) / 100;
    if (span?.end === undefined) return fail(`"${time}" needs a run with a known end (not --follow)`);
    if (share > 1) return fail(`"${time}" is past the end of the run (at most 100%)`);
    return span.start + Math.round(share * (span.end - span.start));
  }
  const absolute = Date.parse(time);
  if (!ISO_TIME.test(time) || Number.isNaN(absolute)) {
    return fail(`time "${time}" is neither +<n><ms|s|m|h|d>, <n>% nor an ISO-8601 instant with a zone`);
  }
  return absolute;
}

function checkWithinRun(fromTime: number, run: RunSpan, fail: (why: string) => never): void {
  const iso = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const covers =
    run.end === undefined
      ? `the run starts at ${iso(run.start)} and goes on live`
      : `the run covers ${iso(run.start)} to ${iso(run.end)}; use @+0h to @+${formatDuration(run.end - run.start)} or @0% to @100%`;
  if (fromTime < run.start) fail(`it starts at ${iso(fromTime)}, before the run's first reading (${covers})`);
  if (run.end !== undefined && fromTime > run.end)
    fail(`it starts at ${iso(fromTime)}, after the run's last reading (${covers})`);
}

function looksNumeric(text: string): boolean {
  return /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(text);
}

function isOneOf<T extends string>(values: readonly T[], text: string): text is T {
  return (values as readonly string[]).includes(text);
}
