import type { SimulatedReading } from './types.js';

/** The header of the AI4I 2020 file, column for column. */
export const AI4I_CSV_HEADER =
  'UDI,Product ID,Type,Air temperature [K],Process temperature [K],Rotational speed [rpm],Torque [Nm],' +
  'Tool wear [min],Machine failure,TWF,HDF,PWF,OSF,RNF';

/**
 * Writes readings as an AI4I 2020 CSV (reported values, true labels) so the CLI can score simulated data
 * and compare with the labels. Product ID is the quality letter and the device id's digits (L0001).
 */
export function toAi4iCsv(readings: readonly SimulatedReading[], startUdi = 1): string {
  const flag = (value: boolean): string => (value ? '1' : '0');
  const lines = readings.map(({ reading: r, truth: t }, i) =>
    [
      startUdi + i,
      `${r.qualityType}${r.deviceId.replace(/\D/g, '')}`,
      r.qualityType,
      r.airTemperatureK.toFixed(1),
      r.processTemperatureK.toFixed(1),
      r.rotationalSpeedRpm.toFixed(0),
      r.torqueNm.toFixed(1),
      r.toolWearMin.toFixed(0),
      flag(t.failure),
      flag(t.TWF),
      flag(t.HDF),
      flag(t.PWF),
      flag(t.OSF),
      flag(t.RNF),
    ].join(','),
  );
  return `${[AI4I_CSV_HEADER, ...lines].join('\n')}\n`;
}
