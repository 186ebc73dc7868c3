import type { DuckDbDatabase } from '../store/DuckDbDatabase.js';
import { historiesFromRows } from './historyRows.js';
import type { HistorySource, HistoryWindow, MachineHistory } from './types.js';

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
    return historiesFromRows(rows, 't');
  }
}
