import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toAi4iCsv } from '../../../stream/simulator/csv.js';
import { createSimulator } from '../../../stream/simulator/Simulator.js';
import type { SimulatedReading } from '../../../stream/simulator/types.js';
import { parseAi4iCsv } from './ai4iTraining.js';

const noFailure = { TWF: false, HDF: false, PWF: false, OSF: false, RNF: false, failure: false };
const reading = (change: Partial<SimulatedReading['reading']> = {}): SimulatedReading['reading'] => ({
  deviceId: 'M-0042',
  timestamp: 0,
  sequenceNumber: 0,
  firmware: 'fw-2.4.1',
  qualityType: 'M',
  airTemperatureK: 298,
  processTemperatureK: 308.6,
  rotationalSpeedRpm: 1551,
  torqueNm: 42.8,
  toolWearMin: 0,
  ...change,
});

describe('toAi4iCsv', () => {
  it('writes the AI4I header exactly', () => {
    const trainingHeader = readFileSync(
      new URL('../../../../shared/data/ai4i2020-train.csv', import.meta.url),
      'utf8',
    )
      .split('\n')[0]
      ?.trim();
    expect(toAi4iCsv([]).split('\n')[0]).toBe(trainingHeader);
  });

  it('formats values at the dataset resolution and labels from the truth', () => {
    const csv = toAi4iCsv(
      [
        { reading: reading(), truth: noFailure },
        {
          reading: reading({ deviceId: 'M-0007', qualityType: 'L', torqueNm: 60, toolWearMin: 230 }),
          truth: { ...noFailure, TWF: true, OSF: true, failure: true },
        },
      ],
      101,
    );
    expect(csv.split('\n').slice(1)).toEqual([
      '101,M0042,M,298.0,308.6,1551,42.8,0,0,0,0,0,0,0',
      '102,L0007,L,298.0,308.6,1551,60.0,230,1,1,0,0,1,0',
      '',
    ]);
  });

  it('round-trips a simulated run: the documented rules hold on the written text, as on the AI4I file', () => {
    const run = createSimulator({ machines: 50, seed: 3, startTime: 0, intervalMs: 1000 }).take(5000);
    const rows = parseAi4iCsv(toAi4iCsv(run));
    expect(rows).toHaveLength(run.length);
    rows.forEach((row, i) => {
      const source = run[i] as SimulatedReading;
      expect(row.labels).toEqual(source.truth);
      expect(row.type).toBe(source.reading.qualityType);
      expect(row.values.torqueNm).toBe(source.reading.torqueNm);
      const v = row.values;
      const watts = (v.torqueNm * v.rotationalSpeedRpm * Math.PI) / 30;
      expect(row.labels.PWF).toBe(watts < 3500 || watts > 9000);
      // On the parsed doubles, as the AI4I file's labels are (model/artifacts/README.md, "The dT = 8.6 K decision").
      expect(row.labels.HDF).toBe(
        v.processTemperatureK - v.airTemperatureK < 8.6 && v.rotationalSpeedRpm < 1380,
      );
    });
  });
});
