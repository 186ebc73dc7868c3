import type { QualityType } from '../../schemas/reading.js';
import type { DuckDbDatabase } from '../store/DuckDbDatabase.js';
import type { HistorySource, HistoryWindow, MachineHistory, TimedReading } from './types.js';

/**
 * HistorySource on the embedded store: the readings the predictions table keeps beside each prediction.
 * A reading scored by two model versions is one reading (one row per device and time).
 */
export class DuckDbHistorySource implements HistorySource {
  constructor(private readonly database: DuckDbDatabase) {}

  /** Each machine's readings within the window before its own latest one, oldest first. */
  async recentHistories(window: HistoryWindow): Promise<MachineHistory[]> {
    const rows = await this.database.query(
      `WITH readings AS (
         SELECT DISTINCT ON (device_id, time) device_id, time, quality_type, air_temperature_k,
           process_temperature_k, rotational_speed_rpm, torque_nm, tool_wear_min
         FROM predictions ORDER BY device_id, time, model_version
       ),
       ranked AS (
         SELECT *, max(time) OVER (PARTITION BY device_id) AS last,
           row_number() OVER (PARTITION BY device_id ORDER BY time DESC) AS rn
         FROM readings
       )
       SELECT device_id, epoch_ms(time) AS t, quality_type, air_temperature_k, process_temperature_k,
         rotational_speed_rpm, torque_nm, tool_wear_min
       FROM ranked
       WHERE rn <= $limit AND time > last - to_milliseconds($historyMs)
       ORDER BY device_id, time`,
      { limit: window.maxReadings, historyMs: window.historyMs },
    );
    const byDevice = new Map<string, TimedReading[]>();
    for (const r of rows) {
      const id = String(r.device_id);
      let list = byDevice.get(id);
      if (!list) {
        list = [];
        byDevice.set(id, list);
      }
      list.push({
        time: Number(r.t),
        qualityType: String(r.quality_type) as QualityType,
        airTemperatureK: Number(r.air_temperature_k),
        processTemperatureK: Number(r.process_temperature_k),
        rotationalSpeedRpm: Number(r.rotational_speed_rpm),
        torqueNm: Number(r.torque_nm),
        toolWearMin: Number(r.tool_wear_min),
      });
    }
    return [...byDevice].map(([deviceId, readings]) => ({ deviceId, readings }));
  }
}
