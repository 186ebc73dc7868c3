import type { DeviceRuns, SensorRuns } from './types.js';

/** The runs of a stretch of one reading. */
function single(value: number): SensorRuns {
  return { first: value, prefix: 1, last: value, suffix: 1, longest: 1, longestValue: value };
}

/**
 * Appends one reading of a device (raw sensor values in SENSORS order) to its runs, in place: the hot path,
 * no allocation once the device is known. Readings must come in the device's time order.
 */
export function appendReading(
  devices: Record<string, DeviceRuns>,
  deviceId: string,
  values: ArrayLike<number>,
): void {
  const device = devices[deviceId];
  if (device === undefined) {
    devices[deviceId] = { readings: 1, sensors: Array.from(values, (v) => single(v)) };
    return;
  }
  const all = device.readings;
  device.readings++;
  for (let s = 0; s < device.sensors.length; s++) {
    const r = device.sensors[s] as SensorRuns;
    const v = values[s] as number;
    if (v === r.last) {
      r.suffix++;
      if (r.prefix === all) r.prefix++;
    } else {
      r.last = v;
      r.suffix = 1;
    }
    if (r.suffix > r.longest) {
      r.longest = r.suffix;
      r.longestValue = r.last;
    }
  }
}

/**
 * The runs of stretch `a` followed by stretch `b` (each `readings` long): exact, and associative, so partial
 * windows merge into the runs of the whole stretch whatever their grouping, as long as their order is kept.
 */
export function concatRuns(a: SensorRuns, aReadings: number, b: SensorRuns, bReadings: number): SensorRuns {
  const joins = a.last === b.first;
  const bridge = joins ? a.suffix + b.prefix : 0;
  const out: SensorRuns = {
    first: a.first,
    prefix: joins && a.prefix === aReadings ? aReadings + b.prefix : a.prefix,
    last: b.last,
    suffix: joins && b.suffix === bReadings ? bReadings + a.suffix : b.suffix,
    longest: a.longest,
    longestValue: a.longestValue,
  };
  // In time order (a's runs, the bridge, b's runs), the earliest of equally long runs kept, as appendReading does.
  if (bridge > out.longest) {
    out.longest = bridge;
    out.longestValue = a.last;
  }
  if (b.longest > out.longest) {
    out.longest = b.longest;
    out.longestValue = b.longestValue;
  }
  return out;
}

/** One device's runs over stretch `a` then stretch `b`. */
export function concatDeviceRuns(a: DeviceRuns, b: DeviceRuns): DeviceRuns {
  return {
    readings: a.readings + b.readings,
    sensors: a.sensors.map((r, s) => concatRuns(r, a.readings, b.sensors[s] as SensorRuns, b.readings)),
  };
}

/** Every device's runs over window `a` then window `b` (a device in only one of them keeps its own). */
export function mergeDeviceRuns(
  a: Readonly<Record<string, DeviceRuns>>,
  b: Readonly<Record<string, DeviceRuns>>,
): Record<string, DeviceRuns> {
  const out: Record<string, DeviceRuns> = {};
  for (const [id, runs] of Object.entries(a)) {
    const later = b[id];
    out[id] = later ? concatDeviceRuns(runs, later) : cloneDeviceRuns(runs);
  }
  for (const [id, runs] of Object.entries(b)) if (!(id in out)) out[id] = cloneDeviceRuns(runs);
  return out;
}

function cloneDeviceRuns(d: DeviceRuns): DeviceRuns {
  return { readings: d.readings, sensors: d.sensors.map((r) => ({ ...r })) };
}
