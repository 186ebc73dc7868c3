import type { MachineHistory, MachineProfile, NotEnoughData, TimedReading } from './types.js';
import { estimateWalk } from './walk.js';

const HOUR_MS = 3_600_000;
/** A gap longer than this many reading intervals is a pause, not operation: it teaches no wear rate. */
const PAUSE_INTERVALS = 3;

/**
 * Learns what one machine's own readings say about it: its pace (median time between readings, one
 * reading being one process), its wear rate per hour of operation, the tools it was seen to replace (wear
 * that falls back towards zero), its torque/speed distribution, and the wander of its temperatures.
 * Returns NotEnoughData (with the reason) below `minReadings` usable readings or without a measurable pace.
 */
export function learnProfile(history: MachineHistory, minReadings: number): MachineProfile | NotEnoughData {
  const usable = history.readings.filter(isUsable);
  const { deviceId } = history;
  const dropped = history.readings.length - usable.length;
  const droppedNote = dropped > 0 ? ` (${dropped} more with missing or non-finite values)` : '';
  if (usable.length < minReadings) {
    return {
      deviceId,
      readings: usable.length,
      reason:
        usable.length === 0
          ? `no readings${droppedNote}: nothing to learn its wear rate, pace or temperatures from`
          : `only ${usable.length} reading(s)${droppedNote}; a forecast needs at least ${minReadings}`,
    };
  }
  const sorted = [...usable].sort((a, b) => a.time - b.time);
  const n = sorted.length;
  const times = new Float64Array(n);
  const gaps: number[] = [];
  for (let i = 0; i < n; i++) {
    times[i] = (sorted[i] as TimedReading).time;
    if (i > 0) {
      const gap = (times[i] as number) - (times[i - 1] as number);
      if (gap > 0) gaps.push(gap);
    }
  }
  if (gaps.length < minReadings / 2) {
    return {
      deviceId,
      readings: n,
      reason: `its ${n} readings carry only ${gaps.length + 1} distinct times: no reading pace to learn`,
    };
  }
  const paceMs = median(gaps);

  let wearGained = 0;
  let wearTime = 0;
  const replacementWears: number[] = [];
  const perReading: number[] = [];
  for (let i = 1; i < n; i++) {
    const prev = sorted[i - 1] as TimedReading;
    const cur = sorted[i] as TimedReading;
    const dw = cur.toolWearMin - prev.toolWearMin;
    const dt = cur.time - prev.time;
    if (dw < 0 && cur.toolWearMin < prev.toolWearMin / 2) {
      replacementWears.push(prev.toolWearMin);
    } else if (dw >= 0 && dt > 0 && dt <= PAUSE_INTERVALS * paceMs) {
      wearGained += dw;
      wearTime += dt;
      if (dw > 0) perReading.push(dw);
    }
  }
  const wearPerMs = wearTime > 0 ? wearGained / wearTime : 0;
  // A tool's last reading is one process before it is swapped: its life reaches one reading further.
  const step = perReading.length > 0 ? median(perReading) : wearPerMs * paceMs;
  const lives = replacementWears.map((w) => w + step);

  const torqueNm = new Float64Array(n);
  const speedRpm = new Float64Array(n);
  const air = new Float64Array(n);
  const delta = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = sorted[i] as TimedReading;
    torqueNm[i] = r.torqueNm;
    speedRpm[i] = r.rotationalSpeedRpm;
    air[i] = r.airTemperatureK;
    delta[i] = r.processTemperatureK - r.airTemperatureK;
  }
  const last = sorted[n - 1] as TimedReading;
  return {
    deviceId,
    qualityType: last.qualityType,
    readings: n,
    asOf: last.time,
    paceMs,
    wearPerHour: wearPerMs * HOUR_MS,
    toolWearMin: last.toolWearMin,
    replacementWears: lives,
    torqueNm,
    speedRpm,
    air: estimateWalk(times, air, paceMs),
    delta: estimateWalk(times, delta, paceMs),
  };
}

/** True when the result is a profile, false when it says why there is none. */
export function isProfile(p: MachineProfile | NotEnoughData): p is MachineProfile {
  return 'paceMs' in p;
}

function isUsable(r: TimedReading): boolean {
  return (
    Number.isFinite(r.time) &&
    Number.isFinite(r.airTemperatureK) &&
    Number.isFinite(r.processTemperatureK) &&
    Number.isFinite(r.rotationalSpeedRpm) &&
    Number.isFinite(r.torqueNm) &&
    Number.isFinite(r.toolWearMin) &&
    (r.qualityType === 'L' || r.qualityType === 'M' || r.qualityType === 'H')
  );
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
