/** The product quality variants of the AI4I dataset; each machine works on one. */
export const QUALITY_TYPES = ['L', 'M', 'H'] as const;
export type QualityType = (typeof QUALITY_TYPES)[number];

/** The process readings the model needs, in the units of the AI4I dataset. */
export interface MachineReading {
  qualityType: QualityType;
  airTemperatureK: number;
  processTemperatureK: number;
  rotationalSpeedRpm: number;
  torqueNm: number;
  toolWearMin: number;
}

/** One sensor reading as a device sends it (Avro schema `schemas/reading.v1.avsc`, v2 adds optional fields). */
export interface SensorReading extends MachineReading {
  deviceId: string;
  /** Epoch milliseconds (Avro `timestamp-millis`). */
  timestamp: number;
  /** Per-device monotonically increasing counter. */
  sequenceNumber: number;
  firmware: string;
  /** v2 only: vibration velocity RMS in mm/s, null when the device has no vibration sensor. */
  vibrationRmsMmS?: number | null;
}
