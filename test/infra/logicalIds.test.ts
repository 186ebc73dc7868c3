import { describe, expect, it } from 'vitest';
import type { PfmStackSettings } from '../../infra/config.js';
import { INFLUX_SETTINGS, synth } from './synth.js';

/**
 * The logical ids of the resources that hold data or are addressed by name, as deployed stacks have them.
 * CloudFormation replaces a resource whose logical id changes (a new stream, key, table or instance, the old
 * one deleted or orphaned), so a refactoring of the constructs must keep these; change one only on purpose.
 */
const SHARED = {
  'AWS::KMS::Key': ['PipelineKeyCB77AB88'],
  'AWS::Kinesis::Stream': ['Readings9F99D490'],
  'AWS::SNS::Topic': ['Alerts91F83244'],
  'AWS::Events::EventBus': ['EventsBus45DE4339'],
  'AWS::SQS::Queue': [
    'DriftOnFailure73BC8BC9',
    'EventsRetrainingDlq7F053937',
    'EventsRetrainingQueue49B60CC1',
    'EventsRuleDlq05D15E37',
    'InferenceOnFailure68480927',
  ],
  'AWS::DynamoDB::Table': ['DriftStateTable529FBA94'],
};

const CASES: [string, PfmStackSettings, Record<string, string[]>][] = [
  [
    'Timestream for LiveAnalytics',
    { sink: { kind: 'timestream' } },
    {
      ...SHARED,
      // The rejected-records report rule's dead-letter queue (new with this store's alerting).
      'AWS::SQS::Queue': [...SHARED['AWS::SQS::Queue'], 'StoreRejectedReportsDlq8DFFA072'],
      'AWS::S3::Bucket': ['StoreAccessLogs087BBF22', 'StoreRejectedRecords2BF3BF7F'],
      'AWS::Timestream::Database': ['StoreDatabase0BD65C62'],
      'AWS::Timestream::Table': [
        'StoreDriftTable319066D6',
        // The forecast rows (new with the scheduled forecast).
        'StoreForecastsTable69F752CF',
        'StorePredictionsTableCEA272C2',
        'StoreQuarantineTable389FEDAA',
      ],
      'AWS::Timestream::InfluxDBInstance': [],
      'AWS::SecretsManager::Secret': [],
    },
  ],
  [
    'Timestream for InfluxDB',
    INFLUX_SETTINGS,
    {
      ...SHARED,
      'AWS::EC2::VPC': ['StoreVpcDFE10186'],
      'AWS::Timestream::InfluxDBInstance': ['StoreInfluxB8642057'],
      'AWS::SecretsManager::Secret': ['StoreAdminSecretDED340CD', 'StoreTokenSecret62B2AC39'],
      'AWS::Timestream::Database': [],
      'AWS::S3::Bucket': [],
    },
  ],
];

describe('PfmStack: logical ids of the stateful resources', () => {
  it.each(CASES)('stay as deployed: %s', (_name, settings, expected) => {
    const { template } = synth(settings);
    const actual = Object.fromEntries(
      Object.keys(expected).map((type) => [type, Object.keys(template.findResources(type)).sort()]),
    );
    expect(actual).toEqual(expected);
  });
});
