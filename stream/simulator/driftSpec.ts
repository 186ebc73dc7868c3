import { SimulatorError } from './errors.js';
import {
  DRIFT_FEATURES,
  DRIFT_KINDS,
  type DriftFeature,
  type DriftInjection,
  type DriftKind,
} from './types.js';

const RELATIVE_TIME = /^\+(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Parses a drift flag of the form
 *
 *   <feature>:<kind>[:<amount>][:<device>,<device>...]@<time>
 *
 * - feature: airTemperatureK | processTemperatureK | rotationalSpeedRpm | torqueNm | toolWearMin
 * - kind: offset | scale | noise | stuck; amount is a number, required except for stuck (where it is
 *   optional and ignored); noise needs amount >= 0
 * - devices: comma-separated device ids (e.g. M-0001,M-0002); every machine when left out
 * - time: an ISO-8601 instant with zone (2026-01-01T00:10:00Z) or +<n><ms|s|m|h> after `startTime`
 *
 * Examples: `torqueNm:offset:5@2026-01-01T00:10:00Z`, `airTemperatureK:stuck@+600s`,
 * `torqueNm:scale:1.3:M-0001,M-0002@+0s`. Throws SimulatorError naming the bad part.
 */
export function parseDriftSpec(text: string, startTime?: number): DriftInjection {
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

  const fromTime = parseTime(time, startTime, fail);
  return machines === undefined
    ? { feature, kind, amount, fromTime }
    : { feature, kind, amount, machines, fromTime };
}

function parseTime(time: string, startTime: number | undefined, fail: (why: string) => never): number {
  if (time === '') return fail('missing time after "@"');
  const relative = RELATIVE_TIME.exec(time);
  if (relative) {
    if (startTime === undefined) return fail(`relative time "${time}" needs the simulation's start time`);
    const unit = relative[2] as keyof typeof UNIT_MS;
    return startTime + Math.round(Number(relative[1]) * UNIT_MS[unit]);
  }
  const absolute = Date.parse(time);
  if (!ISO_TIME.test(time) || Number.isNaN(absolute)) {
    return fail(`time "${time}" is neither +<n><ms|s|m|h> nor an ISO-8601 instant with a zone`);
  }
  return absolute;
}

function looksNumeric(text: string): boolean {
  return /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(text);
}

function isOneOf<T extends string>(values: readonly T[], text: string): text is T {
  return (values as readonly string[]).includes(text);
}
