import { createSimulator } from '../../stream/simulator/Simulator.js';

/** The fleet whose reading times are planned: the simulator options that decide when machines report. */
export interface FleetTiming {
  machines: number;
  seed: number;
  /** Each machine's interval (ms), or with maxIntervalMs the smallest one. */
  intervalMs: number;
  maxIntervalMs?: number;
}

/** The reading time a run covers, decided before it starts. */
export interface ReadingTimePlan {
  /** Epoch ms of the fleet's first reading slot. */
  start: number;
  /** Epoch ms of the last reading to back-fill; undefined for a run that goes on live until stopped. */
  end: number | undefined;
  /** Readings the run makes; undefined for a run that goes on live. */
  readings: number | undefined;
}

/**
 * Plans a run's reading time so it ends now, as a real fleet's history would: `records` readings (the last
 * one stamped `now`), or everything the fleet reads in the last `spanMs`; with `live`, the last `spanMs` and
 * then on past now at the readings' own pace until stopped. The producer writes no reading before its time,
 * so what is stamped before now is back-filled as fast as the stream takes it and the rest arrives live.
 */
export function planReadingTime(
  fleet: FleetTiming,
  ask: { now: number; records?: number; spanMs?: number; live?: boolean },
): ReadingTimePlan {
  const probe = createSimulator({ ...fleet, startTime: 0 });
  const spanMs = ask.spanMs ?? 0;
  if (ask.live) return { start: ask.now - spanMs, end: undefined, readings: undefined };
  if (ask.records !== undefined) {
    return { start: ask.now - probe.spanOfReadings(ask.records), end: ask.now, readings: ask.records };
  }
  return { start: ask.now - spanMs, end: ask.now, readings: probe.readingsWithin(spanMs) };
}
