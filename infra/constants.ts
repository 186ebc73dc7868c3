import { DRIFT_EVENT_SOURCE } from '../processors/drift/constants.js';
import type { DriftDetailType } from '../processors/drift/types.js';
import { FORECAST_EVENT_SOURCE, MAINTENANCE_DUE_DETAIL_TYPE } from '../processors/forecast/constants.js';
import {
  DRIFT_SERIES,
  FORECAST_SERIES,
  PREDICTION_SERIES,
  QUARANTINE_SERIES,
} from '../processors/sinks/constants.js';

/** Prefix of every physical resource name unless the stack is given another one. */
export const DEFAULT_NAME_PREFIX = 'pfm';

/**
 * Physical names of the resources the local runner, the LocalStack init hook and the stack share. Explicit
 * names (rather than generated ones) let `pfm consume --stream pfm-readings` work the same against both. The
 * stack uses a fixed name only where `cdk destroy` then `cdk deploy` cannot collide on it (a deleted resource
 * whose name is free again: stream, bus, topic, table); its queues are named by CloudFormation (SQS holds a
 * deleted queue's name for 60 s), so the queue names here are the LocalStack hook's alone.
 */
export function resourceNames(prefix: string = DEFAULT_NAME_PREFIX) {
  return {
    stream: `${prefix}-readings`,
    eventBus: `${prefix}-events`,
    retrainingQueue: `${prefix}-retraining`,
    retrainingDlq: `${prefix}-retraining-dlq`,
    retrainingRuleDlq: `${prefix}-retraining-rule-dlq`,
    inferenceFailures: `${prefix}-inference-failures`,
    driftFailures: `${prefix}-drift-failures`,
    driftStateTable: `${prefix}-drift-state`,
    alertsTopic: `${prefix}-alerts`,
  } as const;
}
export type ResourceNames = ReturnType<typeof resourceNames>;

/** EventBridge `source` of the drift monitor's events (the monitor's own constant). */
/** EventBridge `source` and detail-type of the forecaster's maintenance-due events (the forecaster's own constants). */
export { DRIFT_EVENT_SOURCE, FORECAST_EVENT_SOURCE, MAINTENANCE_DUE_DETAIL_TYPE };
/** The drift monitor's detail-types that should reach the retraining queue and the alerts topic. */
export const RETRAINING_DETAIL_TYPES = [
  'ModelRetrainingRecommended',
  'FeatureDriftDetected',
] as const satisfies readonly DriftDetailType[];

/** Timestream tables (InfluxDB measurements) the sinks write, named as processors/sinks/constants.ts names them. */
export const TIMESTREAM_TABLES = {
  predictions: PREDICTION_SERIES.timestreamTable,
  quarantine: QUARANTINE_SERIES.timestreamTable,
  drift: DRIFT_SERIES.timestreamTable,
  forecasts: FORECAST_SERIES.timestreamTable,
} as const;
export type TimestreamTableKey = keyof typeof TIMESTREAM_TABLES;

/** CloudWatch namespace of the Powertools metrics every function emits. */
export const METRICS_NAMESPACE = 'pfm';
/** Powertools service names; the inference function's is also the `service` dimension of its metrics. */
export const SERVICE_NAMES = {
  inference: 'pfm-inference',
  drift: 'pfm-drift',
  agent: 'pfm-agent',
  forecast: 'pfm-forecast',
  simulator: 'pfm-simulator',
  influxToken: 'pfm-influx-token',
} as const;
/** The metric processors/inference/lambda.ts emits per batch for poison records. */
export const QUARANTINE_METRIC = 'RecordsQuarantined';

/** Lambda entry points, relative to the project root; each exports `handler`. */
export const LAMBDA_ENTRIES = {
  inference: 'processors/inference/lambda.ts',
  drift: 'processors/drift/lambda.ts',
  agent: 'processors/agent/lambda.ts',
  forecast: 'processors/forecast/lambda.ts',
  simulator: 'stream/simulator/lambda.ts',
  influxToken: 'processors/influxToken/lambda.ts',
} as const;

/** Environment variable names the functions read (processors/config.ts and the Lambda entry points). */
export const ENV = {
  sink: 'PFM_SINK',
  modelDir: 'PFM_MODEL_DIR',
  modelSequence: 'PFM_MODEL_SEQUENCE',
  timestreamDatabase: 'TIMESTREAM_DATABASE',
  timestreamTable: 'TIMESTREAM_TABLE',
  timestreamQuarantineTable: 'TIMESTREAM_QUARANTINE_TABLE',
  timestreamDriftTable: 'TIMESTREAM_DRIFT_TABLE',
  timestreamForecastTable: 'TIMESTREAM_FORECAST_TABLE',
  forecastStateTable: 'PFM_FORECAST_STATE_TABLE',
  forecastHorizonHours: 'PFM_FORECAST_HORIZON_HOURS',
  forecastStepMinutes: 'PFM_FORECAST_STEP_MINUTES',
  forecastNoticeHours: 'PFM_FORECAST_NOTICE_HOURS',
  forecastDueLevel: 'PFM_FORECAST_DUE_LEVEL',
  forecastReleaseLevel: 'PFM_FORECAST_RELEASE_LEVEL',
  forecastHistoryHours: 'PFM_FORECAST_HISTORY_HOURS',
  driftStateTable: 'PFM_DRIFT_STATE_TABLE',
  driftLockLeaseSeconds: 'PFM_DRIFT_LOCK_LEASE_SECONDS',
  driftCalibration: 'PFM_DRIFT_CALIBRATION',
  influxUrl: 'INFLUXDB_URL',
  influxDatabase: 'INFLUXDB_DATABASE',
  influxTokenSecretArn: 'INFLUXDB_TOKEN_SECRET_ARN',
  influxOrg: 'INFLUXDB_ORG',
  influxBucket: 'INFLUXDB_BUCKET',
  influxAdminSecretArn: 'INFLUXDB_ADMIN_SECRET_ARN',
  eventBusName: 'PFM_EVENT_BUS',
  streamName: 'PFM_STREAM_NAME',
  simRecords: 'PFM_SIM_RECORDS',
  simMachines: 'PFM_SIM_MACHINES',
  simIntervalMs: 'PFM_SIM_INTERVAL_MS',
  simSeed: 'PFM_SIM_SEED',
  simDrift: 'PFM_SIM_DRIFT',
} as const;

/** Where the packaged model artifacts sit inside a function's deployment package. */
export const LAMBDA_TASK_ROOT = '/var/task';
/** Where the functions packaged with the model (inference, drift) find its artifacts. */
export const LAMBDA_MODEL_DIR = `${LAMBDA_TASK_ROOT}/model/artifacts`;

/** The LocalStack edge port the compose file publishes and the init hook and README use. */
export const LOCALSTACK_PORT = 4566;
/** LocalStack services the stack uses (the compose file's SERVICES list must cover them). */
export const LOCALSTACK_SERVICES = [
  'cloudformation',
  'cloudwatch',
  'dynamodb',
  'ec2',
  'events',
  'iam',
  'kinesis',
  'kms',
  'lambda',
  'logs',
  's3',
  'scheduler',
  'secretsmanager',
  'sns',
  'sqs',
  'ssm',
  'sts',
] as const;
/** Services the stack can use that LocalStack offers only on a paid plan. */
export const LOCALSTACK_PAID_SERVICES = ['timestream-write', 'timestream-query', 'bedrock'] as const;
