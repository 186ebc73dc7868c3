import { pathToFileURL } from 'node:url';
import { toAi4iCsv } from '../stream/simulator/csv.js';
import { createSimulator } from '../stream/simulator/Simulator.js';

export interface SimulatorBenchResult {
  readings: number;
  readingsPerSecond: number;
  driftedReadingsPerSecond: number;
  csvRowsPerSecond: number;
}

/** Throughput of the simulator alone, with drift on every feature, and of the CSV writer. */
export function benchSimulator(readings = 200_000): SimulatorBenchResult {
  const base = { machines: 100, seed: 1, startTime: 0, intervalMs: 1000 };
  const rate = (run: () => unknown): number => {
    const start = performance.now();
    run();
    return readings / ((performance.now() - start) / 1000);
  };
  const readingsPerSecond = rate(() => createSimulator(base).take(readings));
  const driftedReadingsPerSecond = rate(() =>
    createSimulator({
      ...base,
      drift: [
        { feature: 'torqueNm', kind: 'offset', amount: 5, fromTime: 0 },
        { feature: 'airTemperatureK', kind: 'noise', amount: 1, fromTime: 0 },
        { feature: 'rotationalSpeedRpm', kind: 'scale', amount: 1.1, fromTime: 0 },
        { feature: 'toolWearMin', kind: 'stuck', amount: 0, fromTime: 0 },
      ],
    }).take(readings),
  );
  const run = createSimulator(base).take(readings);
  const csvRowsPerSecond = rate(() => toAi4iCsv(run));
  return { readings, readingsPerSecond, driftedReadingsPerSecond, csvRowsPerSecond };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = benchSimulator();
  const fmt = (n: number): string => `${Math.round(n).toLocaleString('en-US')}/s`;
  console.log(`simulator: ${result.readings.toLocaleString('en-US')} readings`);
  console.log(`  plain      ${fmt(result.readingsPerSecond)}`);
  console.log(`  4 drifts   ${fmt(result.driftedReadingsPerSecond)}`);
  console.log(`  to CSV     ${fmt(result.csvRowsPerSecond)}`);
}
