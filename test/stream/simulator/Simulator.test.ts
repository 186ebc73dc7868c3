import { describe, expect, it } from 'vitest';
import { DEFAULT_QUALITY_MIX } from '../../../stream/simulator/constants.js';
import { SimulatorError } from '../../../stream/simulator/errors.js';
import { createSimulator } from '../../../stream/simulator/Simulator.js';
import type { SimulatedReading, SimulatorOptions } from '../../../stream/simulator/types.js';

const START = Date.UTC(2026, 0, 1);
const options = (change: Partial<SimulatorOptions> = {}): SimulatorOptions => ({
  machines: 5,
  seed: 42,
  startTime: START,
  intervalMs: 1000,
  ...change,
});

describe('createSimulator', () => {
  it('gives the same sequence for the same seed', () => {
    expect(createSimulator(options()).take(2000)).toEqual(createSimulator(options()).take(2000));
  });

  it('gives a different sequence for a different seed', () => {
    const a = createSimulator(options({ seed: 42 })).take(50);
    const b = createSimulator(options({ seed: 43 })).take(50);
    const same = a.filter((r, i) => r.reading.torqueNm === b[i]?.reading.torqueNm);
    expect(same.length).toBeLessThan(10);
  });

  it('take(n) continues where next() left off', () => {
    const one = createSimulator(options());
    const two = createSimulator(options());
    const first = one.next();
    expect([first, ...one.take(9)]).toEqual(two.take(10));
  });

  it('emits the fleet in time order, each machine once per interval, with its own sequence numbers', () => {
    const run = createSimulator(options({ machines: 7, intervalMs: 5000 })).take(7 * 20);
    const times = run.map((r) => r.reading.timestamp);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBeGreaterThanOrEqual(START);
    const byDevice = new Map<string, SimulatedReading[]>();
    for (const r of run) byDevice.set(r.reading.deviceId, [...(byDevice.get(r.reading.deviceId) ?? []), r]);
    expect([...byDevice.keys()].sort()).toEqual([
      'M-0001',
      'M-0002',
      'M-0003',
      'M-0004',
      'M-0005',
      'M-0006',
      'M-0007',
    ]);
    for (const readings of byDevice.values()) {
      expect(readings.map((r) => r.reading.sequenceNumber)).toEqual([...Array(20).keys()]);
      const first = readings[0]?.reading.timestamp ?? Number.NaN;
      expect(first - START).toBeLessThan(5000);
      expect(readings.map((r) => r.reading.timestamp - first)).toEqual(
        [...Array(20).keys()].map((k) => k * 5000),
      );
      expect(new Set(readings.map((r) => r.reading.firmware)).size).toBe(1);
      expect(new Set(readings.map((r) => r.reading.qualityType)).size).toBe(1);
    }
  });

  it("keeps a machine's stream independent of the fleet's size", () => {
    const ofDevice = (machines: number) =>
      createSimulator(options({ machines }))
        .take(machines * 30)
        .filter((r) => r.reading.deviceId === 'M-0002');
    expect(ofDevice(3)).toEqual(ofDevice(40));
  });

  it.each([10, 37, 200])(
    'spreads a fleet of %i over the quality mix to within a machine or two',
    (machines) => {
      const counts = { L: 0, M: 0, H: 0 };
      for (const m of createSimulator(options({ machines })).machines) counts[m.qualityType]++;
      for (const [q, share] of Object.entries(DEFAULT_QUALITY_MIX) as [keyof typeof counts, number][]) {
        expect(Math.abs(counts[q] - share * machines)).toBeLessThanOrEqual(2);
      }
    },
  );

  it('honours a quality mix', () => {
    const sim = createSimulator(options({ machines: 20, qualityMix: { L: 0, M: 1, H: 1 } }));
    const types = sim.machines.map((m) => m.qualityType);
    expect(types).not.toContain('L');
    expect(types.filter((t) => t === 'H').length).toBe(10);
  });

  it.each<[string, Partial<SimulatorOptions>, RegExp]>([
    ['zero machines', { machines: 0 }, /machines must be a positive integer/],
    ['fractional machines', { machines: 2.5 }, /machines must be a positive integer/],
    ['non-integer seed', { seed: 1.5 }, /seed must be an integer/],
    ['NaN start', { startTime: Number.NaN }, /startTime/],
    ['zero interval', { intervalMs: 0 }, /intervalMs must be a positive number/],
    ['negative mix weight', { qualityMix: { L: 1, M: -1, H: 1 } }, /qualityMix/],
    ['all-zero mix', { qualityMix: { L: 0, M: 0, H: 0 } }, /all zero/],
    [
      'negative noise',
      { drift: [{ feature: 'torqueNm', kind: 'noise', amount: -1, fromTime: START }] },
      /drift\[0\]\.amount/,
    ],
  ])('rejects %s', (_name, change, message) => {
    expect(() => createSimulator(options(change))).toThrow(SimulatorError);
    expect(() => createSimulator(options(change))).toThrow(message);
  });

  it('rejects a negative take', () => {
    expect(() => createSimulator(options()).take(-1)).toThrow(/non-negative integer/);
  });
});

describe('a fleet whose machines report at intervals of their own', () => {
  const MIN = 5 * 60_000;
  const MAX = 10 * 60_000;
  const fleet = () => createSimulator(options({ machines: 30, intervalMs: MIN, maxIntervalMs: MAX }));

  it('gives each machine one interval in [min, max], spread over the range, the same for the same seed', () => {
    const intervals = fleet().machines.map((m) => m.intervalMs);
    expect(intervals).toEqual(fleet().machines.map((m) => m.intervalMs));
    for (const i of intervals) {
      expect(i).toBeGreaterThanOrEqual(MIN);
      expect(i).toBeLessThanOrEqual(MAX);
    }
    expect(Math.min(...intervals)).toBeLessThan(MIN + (MAX - MIN) / 4);
    expect(Math.max(...intervals)).toBeGreaterThan(MAX - (MAX - MIN) / 4);
  });

  it('emits in time order, each machine every one of its own intervals', () => {
    const sim = fleet();
    const run = sim.take(3000);
    const times = run.map((r) => r.reading.timestamp);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    for (const machine of sim.machines) {
      const own = run.filter((r) => r.reading.deviceId === machine.deviceId).map((r) => r.reading.timestamp);
      expect(own.length).toBeGreaterThan(50);
      own.slice(1).forEach((t, k) => {
        expect(Math.abs(t - (own[k] as number) - machine.intervalMs)).toBeLessThanOrEqual(1);
      });
    }
  });

  it('keeps the physics of a machine whatever its interval: only the timestamps change', () => {
    const physics = (r: SimulatedReading) => ({ ...r.reading, timestamp: 0 });
    const ofDevice = (sim: ReturnType<typeof createSimulator>) =>
      sim
        .take(30 * 40)
        .filter((r) => r.reading.deviceId === 'M-0004')
        .slice(0, 20)
        .map(physics);
    expect(ofDevice(fleet())).toEqual(ofDevice(createSimulator(options({ machines: 30, intervalMs: MIN }))));
  });

  it('says where its next reading falls and how many readings a span holds, without running the physics', () => {
    const sim = fleet();
    const probe = fleet();
    const day = 24 * 3_600_000;
    const n = sim.readingsWithin(day);
    const run = probe.take(n + 1);
    expect(run[n - 1]?.reading.timestamp).toBeLessThanOrEqual(START + day);
    expect(run[n]?.reading.timestamp).toBeGreaterThan(START + day);
    const span = sim.spanOfReadings(n);
    expect(sim.readingsWithin(span)).toBe(n);
    expect(sim.readingsWithin(span - 1)).toBe(n - 1);
    expect(Math.abs(START + span - (run[n - 1]?.reading.timestamp ?? 0))).toBeLessThanOrEqual(1);
    expect(sim.nextTimestamp).toBe(run[0]?.reading.timestamp);
    sim.next();
    expect(sim.nextTimestamp).toBe(run[1]?.reading.timestamp);
  });

  it('refuses a largest interval below the smallest', () => {
    expect(() => createSimulator(options({ intervalMs: 1000, maxIntervalMs: 500 }))).toThrow(/maxIntervalMs/);
  });
});
