import type { FailureMode } from '../inference/types.js';

/** One machine's recent risk, with the mode and readings that drive it. */
export interface MachineRisk {
  deviceId: string;
  qualityType: string;
  lastSeen: number;
  readings: number;
  /** Mean any-failure probability over the machine's most recent readings. */
  risk: number;
  peakRisk: number;
  predictedFailures: number;
  /** The failure mode with the highest mean probability over those readings. */
  leadingMode: FailureMode;
  leadingModeProbability: number;
  latest: {
    toolWearMin: number;
    torqueNm: number;
    rotationalSpeedRpm: number;
    temperatureDeltaK: number;
    predictedModes: string;
  };
}

/** Port: the read side of the prediction store, shared by the CLI, the agent and the dashboard. */
export interface FleetQueries {
  /** The machines ranked by their recent risk, over each machine's last `window` readings. */
  topAtRisk(options: { limit: number; window: number }): Promise<MachineRisk[]>;
  /** Row counts of the store: predictions, quarantined records, and predicted failures by mode. */
  counts(): Promise<StoreCounts>;
}

export interface StoreCounts {
  predictions: number;
  quarantined: number;
  quarantinedByCode: Record<string, number>;
  predictedFailures: number;
  predictedByMode: Record<FailureMode, number>;
  devices: number;
}
