import { describe, expect, it } from 'vitest';
import { engineerFeatures, FEATURE_COUNT, FEATURE_NAMES } from '../../model/features.js';
import type { MachineReading } from '../../schemas/reading.js';

// Expected values worked out by hand: power = torque * rpm * 2 * pi / 60 (W), wear x torque in min*Nm, the
// overstrain ratio = wear x torque / (11,000 L, 12,000 M, 13,000 H), and 1 when process - air < 8.6 K in float64.
const CASES: { name: string; reading: MachineReading; expected: number[] }[] = [
  {
    name: 'L, 42.8 Nm at 1551 rpm, new tool',
    reading: {
      qualityType: 'L',
      airTemperatureK: 298.1,
      processTemperatureK: 308.6,
      rotationalSpeedRpm: 1551,
      torqueNm: 42.8,
      toolWearMin: 0,
    },
    // 42.8 Nm * (1551 * 2pi / 60 = 162.420 rad/s) = 6951.59 W
    expected: [298.1, 308.6, 1551, 42.8, 0, 10.5, 6951.5906, 0, 0, 0, 0],
  },
  {
    name: 'M, high torque and wear (overstrain territory)',
    reading: {
      qualityType: 'M',
      airTemperatureK: 298.8,
      processTemperatureK: 310.1,
      rotationalSpeedRpm: 1243,
      torqueNm: 74.5,
      toolWearMin: 194,
    },
    // 74.5 * 130.167 rad/s = 9697.42 W; 194 * 74.5 = 14453 = 1.2044 x the M limit of 12,000
    expected: [298.8, 310.1, 1243, 74.5, 194, 11.3, 9697.4158, 14453, 1, 14453 / 12000, 0],
  },
  {
    name: 'H, process - air shows 8.6 K and is 8.5999999999999659 in float64: below the HDF limit',
    reading: {
      qualityType: 'H',
      airTemperatureK: 302.1,
      processTemperatureK: 310.7,
      rotationalSpeedRpm: 1294,
      torqueNm: 62.4,
      toolWearMin: 101,
    },
    // 62.4 * 135.507 rad/s = 8455.66 W; 101 * 62.4 = 6302.4 = 0.4848 x the H limit of 13,000
    expected: [302.1, 310.7, 1294, 62.4, 101, 8.6, 8455.6595, 6302.4, 2, 6302.4 / 13000, 1],
  },
  {
    name: 'M, process - air shows 8.6 K and is 8.6000000000000227 in float64: not below the HDF limit',
    reading: {
      qualityType: 'M',
      airTemperatureK: 302,
      processTemperatureK: 310.6,
      rotationalSpeedRpm: 1294,
      torqueNm: 60,
      toolWearMin: 200,
    },
    // 60 * 135.507 rad/s = 8130.44 W; 200 * 60 = 12,000: exactly the M limit, ratio 1
    expected: [302, 310.6, 1294, 60, 200, 8.6, 8130.4418, 12000, 1, 1, 0],
  },
  {
    name: 'L, high speed and low torque (low power)',
    reading: {
      qualityType: 'L',
      airTemperatureK: 300,
      processTemperatureK: 309,
      rotationalSpeedRpm: 2886,
      torqueNm: 3.8,
      toolWearMin: 250,
    },
    // 3.8 * 302.221 rad/s = 1148.44 W; 250 * 3.8 = 950 = 0.0864 x the L limit of 11,000
    expected: [300, 309, 2886, 3.8, 250, 9, 1148.4406, 950, 0, 950 / 11000, 0],
  },
  {
    name: 'standing machine: no power',
    reading: {
      qualityType: 'M',
      airTemperatureK: 300,
      processTemperatureK: 300,
      rotationalSpeedRpm: 0,
      torqueNm: 0,
      toolWearMin: 0,
    },
    expected: [300, 300, 0, 0, 0, 0, 0, 0, 1, 0, 1],
  },
];

describe('engineerFeatures', () => {
  it('writes eleven features in the documented order', () => {
    expect(FEATURE_COUNT).toBe(11);
    expect(FEATURE_NAMES).toEqual([
      'air_temperature_k',
      'process_temperature_k',
      'rotational_speed_rpm',
      'torque_nm',
      'tool_wear_min',
      'temperature_delta_k',
      'power_w',
      'wear_torque_min_nm',
      'quality_type_ordinal',
      'overstrain_ratio',
      'delta_below_hdf_limit',
    ]);
  });

  it.each(CASES)('$name', ({ reading, expected }) => {
    const out = new Float32Array(FEATURE_COUNT);
    engineerFeatures(reading, out, 0);
    expected.forEach((v, j) => {
      // float32 keeps ~7 significant digits: compare relative to the magnitude.
      expect(Math.abs((out[j] as number) - v)).toBeLessThanOrEqual(Math.max(1e-4, Math.abs(v) * 2e-7));
    });
  });

  it('decides process - air < 8.6 K in float64, where float32 sees one number', () => {
    const out = new Float32Array(FEATURE_COUNT);
    const at = (air: number, process: number): [number, number] => {
      engineerFeatures(
        {
          ...(CASES[0] as (typeof CASES)[number]).reading,
          airTemperatureK: air,
          processTemperatureK: process,
        },
        out,
        0,
      );
      return [out[5] as number, out[10] as number];
    };
    // Both differences round to the same float32 (8.6000004), so only the indicator separates them.
    expect(at(302.1, 310.7)).toEqual([Math.fround(8.6), 1]);
    expect(at(302, 310.6)).toEqual([Math.fround(8.6), 0]);
    expect(at(300, 308.5)[1]).toBe(1);
    expect(at(300, 308.7)[1]).toBe(0);
  });

  it('writes at the offset and touches nothing else', () => {
    const out = new Float32Array(3 * FEATURE_COUNT).fill(-1);
    const first = CASES[0] as (typeof CASES)[number];
    engineerFeatures(first.reading, out, FEATURE_COUNT);
    expect(Array.from(out.subarray(0, FEATURE_COUNT)).every((v) => v === -1)).toBe(true);
    expect(Array.from(out.subarray(2 * FEATURE_COUNT)).every((v) => v === -1)).toBe(true);
    expect(out[FEATURE_COUNT]).toBeCloseTo(298.1, 4);
    expect(out[FEATURE_COUNT + 6]).toBeCloseTo(6951.59, 2);
  });
});
