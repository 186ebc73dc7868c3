import { DEVICE_MEMORY_WINDOWS } from './constants.js';
import {
  type DeviceSensorMemory,
  type DriftCalibration,
  SENSORS,
  type Sensor,
  type SensorRuns,
  type StuckSensor,
  type WindowState,
} from './types.js';

/** A device whose sensors changed state in a window: the stuck-sensor check's counterpart of a Transition. */
export interface StuckTransition {
  deviceId: string;
  detailType: 'SensorStuck' | 'SensorRecovered';
  sensors: StuckSensor[];
  /** The device's readings in the window. */
  readings: number;
  /** Windows the sensors have been stuck (the longest of them), this one included. */
  stuckWindows: number;
}

/** A device the check has not seen before: no runs carried in. */
function freshMemory(seq: number): DeviceSensorMemory {
  return { tail: SENSORS.map(() => [Number.NaN, 0]), stuck: {}, lastSeq: seq };
}

/**
 * The stuck-sensor check of one window, per device and sensor: the run of identical readings the device
 * carried in from earlier windows is joined to this window's runs, and a sensor whose run reaches its
 * calibrated threshold is flagged (SensorStuck). It recovers (SensorRecovered) after `recoverWindows`
 * windows of the device's readings in which no run reached the threshold: the same hysteresis as the drift
 * scopes' K clean windows. Sensors without a calibrated threshold are tracked but never flagged. Pure.
 */
export function stepStuckSensors(
  window: WindowState,
  memory: Readonly<Record<string, DeviceSensorMemory>>,
  thresholds: DriftCalibration['sensors'],
  recoverWindows: number,
  seq: number,
): { devices: Record<string, DeviceSensorMemory>; transitions: StuckTransition[] } {
  const devices: Record<string, DeviceSensorMemory> = {};
  const transitions: StuckTransition[] = [];
  for (const [id, m] of Object.entries(memory)) {
    // Devices that went quiet long ago are forgotten, unless one of their sensors is still flagged.
    if (
      !(id in window.devices) &&
      seq - m.lastSeq > DEVICE_MEMORY_WINDOWS &&
      Object.keys(m.stuck).length === 0
    )
      continue;
    devices[id] = m;
  }
  for (const id of Object.keys(window.devices).sort()) {
    const runs = window.devices[id];
    if (runs === undefined) continue;
    const prev = memory[id] ?? freshMemory(seq);
    const next: DeviceSensorMemory = {
      tail: prev.tail.map(([v, r]) => [v, r]),
      stuck: { ...prev.stuck },
      lastSeq: seq,
    };
    const stuck: StuckSensor[] = [];
    const recovered: StuckSensor[] = [];
    let stuckWindows = 0;
    SENSORS.forEach((sensor, s) => {
      const r = runs.sensors[s] as SensorRuns;
      const [tailValue, tailRun] = prev.tail[s] ?? [Number.NaN, 0];
      const joins = tailRun > 0 && tailValue === r.first;
      // The run the window starts with, counting the readings carried in.
      const opening = joins ? tailRun + r.prefix : r.prefix;
      const longest = Math.max(r.longest, opening);
      const longestValue = opening >= r.longest ? r.first : r.longestValue;
      next.tail[s] =
        joins && r.suffix === runs.readings ? [tailValue, tailRun + runs.readings] : [r.last, r.suffix];
      const threshold = thresholds[sensor]?.runThreshold;
      if (threshold === undefined) return;
      const flagged = prev.stuck[sensor];
      const reached = longest >= threshold;
      if (flagged === undefined) {
        if (!reached) return;
        next.stuck[sensor] = { value: longestValue, run: longest, clean: 0, windows: 1 };
        stuck.push({ sensor, value: longestValue, run: longest, runThreshold: threshold });
        stuckWindows = Math.max(stuckWindows, 1);
        return;
      }
      const held = {
        value: reached && longest > flagged.run ? longestValue : flagged.value,
        run: Math.max(flagged.run, reached ? longest : 0),
        clean: reached ? 0 : flagged.clean + 1,
        windows: flagged.windows + 1,
      };
      if (held.clean >= recoverWindows) {
        delete next.stuck[sensor];
        recovered.push({ sensor, value: held.value, run: held.run, runThreshold: threshold });
        stuckWindows = Math.max(stuckWindows, held.windows);
      } else next.stuck[sensor] = held;
    });
    devices[id] = next;
    if (stuck.length > 0)
      transitions.push({
        deviceId: id,
        detailType: 'SensorStuck',
        sensors: stuck,
        readings: runs.readings,
        stuckWindows,
      });
    if (recovered.length > 0) {
      transitions.push({
        deviceId: id,
        detailType: 'SensorRecovered',
        sensors: recovered,
        readings: runs.readings,
        stuckWindows,
      });
    }
  }
  return { devices, transitions };
}

/** The sensors flagged now, device by device (for the live display and the summary). */
export function stuckSensorsOf(
  memory: Readonly<Record<string, DeviceSensorMemory>> | undefined,
  thresholds: DriftCalibration['sensors'] | undefined,
): { deviceId: string; sensor: Sensor; value: number; run: number; runThreshold: number; windows: number }[] {
  const out = [];
  for (const id of Object.keys(memory ?? {}).sort()) {
    const m = memory?.[id];
    for (const sensor of SENSORS) {
      const s = m?.stuck[sensor];
      if (s === undefined) continue;
      out.push({
        deviceId: id,
        sensor,
        value: s.value,
        run: s.run,
        runThreshold: thresholds?.[sensor]?.runThreshold ?? s.run,
        windows: s.windows,
      });
    }
  }
  return out;
}
