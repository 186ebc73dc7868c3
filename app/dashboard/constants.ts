/** The dashboard's port on 127.0.0.1 when none is asked for (a free one is taken if it is busy). */
export const DEFAULT_DASHBOARD_PORT = 4400;

/** Readings per machine its recent risk is averaged over: the same window as the `pfm run` summary and `pfm top`. */
export const RISK_WINDOW = 20;

/**
 * Display bands of a machine's recent risk (mean any-failure probability). They colour the table so a person
 * sees where to look; the model's own alarm decisions use model/artifacts/thresholds.json.
 */
export const RISK_BANDS = { high: 0.5, elevated: 0.2 } as const;

/** Bounds of what one response holds, so a long `--follow` run cannot make a poll slow. */
export const VIEW_LIMITS = {
  machines: 500,
  machinePoints: 400,
  fleetBuckets: 90,
  driftWindows: 120,
  events: 100,
  progressSamples: 900,
} as const;

/** How long a query result is reused at least: several tabs or a fast poll cost the store one query a second. */
export const RESULT_TTL_MS = 750;

/**
 * ... and at least this many times as long as it took: the pipeline writes through the same store connection,
 * so on a store grown large (a long `--follow` run) the page refreshes more slowly instead of holding up writes.
 */
export const QUERY_LOAD_FACTOR = 20;

/** Readable names and units of the model features the drift monitor scores (reference.json order). */
export const FEATURE_LABELS: Readonly<Record<string, { label: string; unit: string }>> = {
  air_temperature_k: { label: 'Air temperature', unit: 'K' },
  process_temperature_k: { label: 'Process temperature', unit: 'K' },
  rotational_speed_rpm: { label: 'Rotational speed', unit: 'rpm' },
  torque_nm: { label: 'Torque', unit: 'Nm' },
  tool_wear_min: { label: 'Tool wear', unit: 'min' },
  temperature_delta_k: { label: 'Process − air temperature', unit: 'K' },
  power_w: { label: 'Power', unit: 'W' },
  wear_torque_min_nm: { label: 'Tool wear × torque', unit: 'min·Nm' },
  quality_type_ordinal: { label: 'Quality type (L/M/H)', unit: '' },
  overstrain_ratio: { label: 'Wear × torque / overstrain limit', unit: '' },
  delta_below_hdf_limit: { label: 'Process − air below 8.6 K (share)', unit: '' },
};
