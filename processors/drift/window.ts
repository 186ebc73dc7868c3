import { PfmError } from '../../kernel/errors.js';
import { QUALITY_TYPES, type QualityType } from '../../schemas/reading.js';
import { DEVICE_SAMPLE_CAP, SCOPES, STATE_LIMIT_BYTES } from './constants.js';
import { appendReading, mergeDeviceRuns } from './runs.js';
import {
  type DeviceRuns,
  type DriftReference,
  type FeatureAccumulator,
  type ScopeAccumulator,
  type ScopeKey,
  SENSORS,
  type SensorRuns,
  type WindowState,
} from './types.js';

/** One reading as the window needs it: its scope keys and the model's engineered feature values. */
export interface WindowInput {
  deviceId: string;
  timestamp: number;
  qualityType: QualityType;
  /** Engineered features in reference order, as float32 (what the model sees). */
  values: ArrayLike<number>;
  /** The raw sensor values in SENSORS order, as the device reported them (for the stuck-sensor check). */
  sensors: ArrayLike<number>;
}

/** A window with nothing in it. */
export function emptyWindow(): WindowState {
  return { firstReadingAt: null, lastReadingAt: null, records: 0, undecodable: 0, scopes: {}, devices: {} };
}

function emptyScope(features: number): ScopeAccumulator {
  return {
    records: 0,
    devices: [],
    features: Array.from({ length: features }, () => ({
      n: 0,
      s1: 0,
      s2: 0,
      missing: 0,
      below: 0,
      above: 0,
      bins: new Array(10).fill(0),
    })),
  };
}

/** Folds one reading into the window, in place (the hot path: no allocation per reading). */
export function addToWindow(window: WindowState, reference: DriftReference, input: WindowInput): void {
  window.records++;
  if (window.firstReadingAt === null || input.timestamp < window.firstReadingAt)
    window.firstReadingAt = input.timestamp;
  if (window.lastReadingAt === null || input.timestamp > window.lastReadingAt)
    window.lastReadingAt = input.timestamp;
  const features = reference.features;
  const qualityKey: ScopeKey = `quality:${input.qualityType}`;
  const fleet = window.scopes.fleet ?? emptyScope(features.length);
  const quality = window.scopes[qualityKey] ?? emptyScope(features.length);
  window.scopes.fleet = fleet;
  window.scopes[qualityKey] = quality;
  fleet.records++;
  quality.records++;
  addDevice(fleet.devices, input.deviceId);
  addDevice(quality.devices, input.deviceId);
  for (let j = 0; j < features.length; j++) {
    const ref = features[j] as DriftReference['features'][number];
    const x = input.values[j] as number;
    addValue(fleet.features[j] as FeatureAccumulator, ref, x);
    addValue(quality.features[j] as FeatureAccumulator, ref, x);
  }
  appendReading(window.devices, input.deviceId, input.sensors);
}

/** Inserts an id into a sorted set of the smallest ids, capped (no-op when present or too large). */
function addDevice(devices: string[], id: string): void {
  const full = devices.length >= DEVICE_SAMPLE_CAP;
  if (full && id >= (devices[devices.length - 1] as string)) return;
  let lo = 0;
  let hi = devices.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((devices[mid] as string) < id) lo = mid + 1;
    else hi = mid;
  }
  if (devices[lo] === id) return;
  devices.splice(lo, 0, id);
  if (devices.length > DEVICE_SAMPLE_CAP) devices.pop();
}

/** The smallest DEVICE_SAMPLE_CAP ids of the union of two such sets. */
function unionDevices(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (out.length < DEVICE_SAMPLE_CAP && (i < a.length || j < b.length)) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x < y)) {
      out.push(x as string);
      i++;
    } else if (x === undefined || y < x) {
      out.push(y);
      j++;
    } else {
      out.push(x);
      i++;
      j++;
    }
  }
  return out;
}

function addValue(acc: FeatureAccumulator, ref: DriftReference['features'][number], x: number): void {
  if (!Number.isFinite(x)) {
    acc.missing++;
    return;
  }
  const dx = x - ref.mean;
  acc.n++;
  acc.s1 += dx;
  acc.s2 += dx * dx;
  if (x < ref.min) acc.below++;
  else if (x > ref.max) acc.above++;
  // Bin = number of edges strictly below x (numpy searchsorted side="left", as training binned).
  const edges = ref.binEdges;
  let bin = 0;
  while (bin < edges.length && x > (edges[bin] as number)) bin++;
  acc.bins[bin] = (acc.bins[bin] as number) + 1;
}

/**
 * The window of two windows' readings together, `a`'s readings before `b`'s. The scope statistics are sums,
 * mins and maxes, so they merge commutatively and associatively, exactly whenever the sums are (integer data
 * in tests); a device's runs of identical values concatenate in order (associative, and commutative for
 * windows of different devices, such as two shards' partials of the same period).
 */
export function mergeWindows(a: WindowState, b: WindowState): WindowState {
  const scopes: WindowState['scopes'] = {};
  for (const key of SCOPES) {
    const x = a.scopes[key];
    const y = b.scopes[key];
    if (x && y) scopes[key] = mergeScope(x, y);
    else if (x) scopes[key] = cloneScope(x);
    else if (y) scopes[key] = cloneScope(y);
  }
  return {
    firstReadingAt: minOrNull(a.firstReadingAt, b.firstReadingAt),
    lastReadingAt: maxOrNull(a.lastReadingAt, b.lastReadingAt),
    records: a.records + b.records,
    undecodable: a.undecodable + b.undecodable,
    scopes,
    devices: mergeDeviceRuns(a.devices, b.devices),
  };
}

function mergeScope(x: ScopeAccumulator, y: ScopeAccumulator): ScopeAccumulator {
  if (x.features.length !== y.features.length) {
    throw new PfmError(
      'MODEL_MISMATCH',
      `cannot merge windows of ${x.features.length} and ${y.features.length} features`,
    );
  }
  return {
    records: x.records + y.records,
    devices: unionDevices(x.devices, y.devices),
    features: x.features.map((f, j) => {
      const g = y.features[j] as FeatureAccumulator;
      return {
        n: f.n + g.n,
        s1: f.s1 + g.s1,
        s2: f.s2 + g.s2,
        missing: f.missing + g.missing,
        below: f.below + g.below,
        above: f.above + g.above,
        bins: f.bins.map((c, b) => c + (g.bins[b] as number)),
      };
    }),
  };
}

function cloneScope(x: ScopeAccumulator): ScopeAccumulator {
  return {
    records: x.records,
    devices: [...x.devices],
    features: x.features.map((f) => ({ ...f, bins: [...f.bins] })),
  };
}

function minOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

function maxOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

/** Mean and sample variance of a feature accumulator (NaN when too few values). */
export function momentsOf(
  acc: FeatureAccumulator,
  referenceMean: number,
): { mean: number; variance: number } {
  if (acc.n === 0) return { mean: Number.NaN, variance: Number.NaN };
  const shift = acc.s1 / acc.n;
  const variance = acc.n > 1 ? Math.max(0, (acc.s2 - acc.s1 * shift) / (acc.n - 1)) : Number.NaN;
  return { mean: referenceMean + shift, variance };
}

// Compact encoding for Lambda's tumbling-window state: positional arrays, no key names per feature.
// [version, first, last, records, undecodable,
//  {scope: [records, devices, [n, s1, s2, missing, below, above, ...bins] per feature]},
//  {device: [readings, ...[first, prefix, last, suffix, longest, longestValue] per sensor]}]
type EncodedFeature = number[];
type EncodedScope = [number, string[], EncodedFeature[]];
type EncodedWindow = [
  2,
  number | null,
  number | null,
  number,
  number,
  Record<string, EncodedScope>,
  Record<string, number[]>,
];
const RUN_FIELDS = 6;

/** Serializes a window compactly (JSON numbers round-trip exactly, so decode(encode(w)) equals w). */
export function encodeWindow(window: WindowState): string {
  const scopes: Record<string, EncodedScope> = {};
  for (const key of SCOPES) {
    const s = window.scopes[key];
    if (s)
      scopes[key] = [
        s.records,
        s.devices,
        s.features.map((f) => [f.n, f.s1, f.s2, f.missing, f.below, f.above, ...f.bins]),
      ];
  }
  const devices: Record<string, number[]> = {};
  for (const [id, d] of Object.entries(window.devices)) {
    const row = [d.readings];
    for (const r of d.sensors) row.push(r.first, r.prefix, r.last, r.suffix, r.longest, r.longestValue);
    devices[id] = row;
  }
  const encoded: EncodedWindow = [
    2,
    window.firstReadingAt,
    window.lastReadingAt,
    window.records,
    window.undecodable,
    scopes,
    devices,
  ];
  return JSON.stringify(encoded);
}

/** Parses encodeWindow's output; throws CONFIG_INVALID on anything else. */
export function decodeWindow(text: string): WindowState {
  const bad = (why: string): never => {
    throw new PfmError('CONFIG_INVALID', `drift window state is malformed: ${why}`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return bad('not JSON');
  }
  if (!Array.isArray(raw) || raw[0] !== 2 || raw.length !== 7) return bad('unknown version or shape');
  const [, first, last, records, undecodable, scopesRaw, devicesRaw] = raw as EncodedWindow;
  const scopes: WindowState['scopes'] = {};
  const validKeys = new Set<string>(SCOPES);
  for (const [key, value] of Object.entries(scopesRaw ?? {})) {
    if (!validKeys.has(key)) return bad(`unknown scope "${key}"`);
    if (!Array.isArray(value) || value.length !== 3) return bad(`scope "${key}" has the wrong shape`);
    const [scopeRecords, devices, feats] = value;
    scopes[key as ScopeKey] = {
      records: scopeRecords,
      devices,
      features: feats.map((f) => {
        if (f.length !== 16) bad('feature entry of the wrong length');
        const [n, s1, s2, missing, below, above, ...bins] = f as [
          number,
          number,
          number,
          number,
          number,
          number,
          ...number[],
        ];
        return { n, s1, s2, missing, below, above, bins };
      }),
    };
  }
  const devices: Record<string, DeviceRuns> = {};
  for (const [id, row] of Object.entries(devicesRaw ?? {})) {
    if (!Array.isArray(row) || row.length !== 1 + SENSORS.length * RUN_FIELDS)
      return bad(`device "${id}" has the wrong shape`);
    const sensors: SensorRuns[] = SENSORS.map((_, s) => {
      const [first, prefix, last, suffix, longest, longestValue] = row.slice(
        1 + s * RUN_FIELDS,
        1 + (s + 1) * RUN_FIELDS,
      ) as [number, number, number, number, number, number];
      return { first, prefix, last, suffix, longest, longestValue };
    });
    devices[id] = { readings: row[0] as number, sensors };
  }
  return { firstReadingAt: first, lastReadingAt: last, records, undecodable, scopes, devices };
}

/** Encodes a window for Lambda's state and asserts it fits the 1 MB per shard Lambda allows. */
export function encodeWindowWithinLimit(window: WindowState, limitBytes: number = STATE_LIMIT_BYTES): string {
  const text = encodeWindow(window);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limitBytes) {
    throw new PfmError(
      'STATE_TOO_LARGE',
      `drift window state is ${bytes} bytes, over the ${limitBytes}-byte limit`,
    );
  }
  return text;
}

/** The quality types present in a window, in QUALITY_TYPES order. */
export function qualityScopesOf(window: WindowState): ScopeKey[] {
  return QUALITY_TYPES.map((q) => `quality:${q}` as const).filter((k) => window.scopes[k] !== undefined);
}
