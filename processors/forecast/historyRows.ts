import type { QualityType } from '../../schemas/reading.js';
import { READING_COLUMNS } from '../store/queries/periodSql.js';
import type { Row } from '../store/queries/rows.js';
import type { MachineHistory, TimedReading } from './types.js';

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

/**
 * Rows of the predictions a store keeps (`device_id`, `quality_type`, the reading columns, and the reading's time
 * in epoch ms under `timeColumn`) as each machine's history: machines and readings in the order of the rows.
 */
export function historiesFromRows(rows: readonly Row[], timeColumn: string): MachineHistory[] {
  const byDevice = new Map<string, TimedReading[]>();
  for (const r of rows) {
    const deviceId = String(r.device_id);
    let list = byDevice.get(deviceId);
    if (!list) {
      list = [];
      byDevice.set(deviceId, list);
    }
    list.push({
      time: num(r[timeColumn]),
      qualityType: String(r.quality_type) as QualityType,
      airTemperatureK: num(r[READING_COLUMNS.airTemperatureK]),
      processTemperatureK: num(r[READING_COLUMNS.processTemperatureK]),
      rotationalSpeedRpm: num(r[READING_COLUMNS.rotationalSpeedRpm]),
      torqueNm: num(r[READING_COLUMNS.torqueNm]),
      toolWearMin: num(r[READING_COLUMNS.toolWearMin]),
    });
  }
  return [...byDevice].map(([deviceId, readings]) => ({ deviceId, readings }));
}
