import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  DRIFT_EVENT_SOURCE,
  QUARANTINE_METRIC,
  RETRAINING_DETAIL_TYPES,
  resourceNames,
} from '../../infra/constants.js';
import { PfmStack } from '../../infra/PfmStack.js';
import { PfmError } from '../../kernel/errors.js';
import { FULL_SETTINGS, INFLUX_SETTINGS, synth, TIMESTREAM_SETTINGS } from './synth.js';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
const names = resourceNames();
/** The handler of CDK's built-in custom-resource providers (not one of the pipeline's functions). */
const CDK_PROVIDER_HANDLER = '__entrypoint__.handler';
const CDK_PROVIDER_ROLE = /^Custom[A-Za-z]+CustomResourceProviderRole[0-9A-F]{8}$/;
const CDK_PROVIDER_POLICY = {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string, not a JS template
  'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
};

function resourcesOf(type: string, settings = {}): Resources {
  return synth(settings).template.findResources(type) as Resources;
}

/** The one queue whose logical id starts with this construct path (CloudFormation names the queues). */
function queueIdOf(idPrefix: string, settings = {}): string {
  const found = Object.keys(synth(settings).template.findResources('AWS::SQS::Queue')).filter((id) =>
    id.startsWith(idPrefix),
  );
  expect(found).toHaveLength(1);
  return found[0] as string;
}

function logicalIdOf(type: string, props: object, settings = {}): string {
  const found = Object.keys(synth(settings).template.findResources(type, { Properties: props }));
  expect(found).toHaveLength(1);
  return found[0] as string;
}

describe('PfmStack: the readings stream', () => {
  it('is on-demand by default, encrypted with the customer-managed key, with its retention', () => {
    const { template } = synth();
    const keyId = logicalIdOf('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      Name: names.stream,
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      ShardCount: Match.absent(),
      RetentionPeriodHours: 24,
      StreamEncryption: { EncryptionType: 'KMS', KeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
    });
  });

  it('takes provisioned shards and retention from the settings', () => {
    synth(FULL_SETTINGS).template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      ShardCount: 4,
      RetentionPeriodHours: 48,
    });
  });
});

describe('PfmStack: the inference function', () => {
  it('runs Node 24 on x86_64 from the entry-relative bundle, sized by the settings, traced', () => {
    synth({ inference: { memoryMb: 2048, timeoutSeconds: 120 } }).template.hasResourceProperties(
      'AWS::Lambda::Function',
      {
        Handler: 'processors/inference/index.handler',
        Runtime: 'nodejs24.x',
        Architectures: ['x86_64'],
        MemorySize: 2048,
        Timeout: 120,
        TracingConfig: { Mode: 'Active' },
        Environment: {
          Variables: Match.objectLike({
            POWERTOOLS_SERVICE_NAME: 'pfm-inference',
            POWERTOOLS_METRICS_NAMESPACE: 'pfm',
            PFM_MODEL_DIR: '/var/task/model/artifacts',
            PFM_MODEL_SEQUENCE: '1',
            // The default store: Timestream for InfluxDB.
            PFM_SINK: 'influxdb',
            INFLUXDB_DATABASE: 'predictions',
            INFLUXDB_TOKEN_SECRET_ARN: { Ref: Match.stringLikeRegexp('TokenSecret') },
          }),
        },
      },
    );
  });

  it('reads the stream with bisection, partial batch responses, finite retries and an encrypted on-failure queue', () => {
    const { template } = synth({
      inference: { batchSize: 250, maxBatchingWindowSeconds: 2, parallelizationFactor: 4, retryAttempts: 5 },
    });
    const fn = logicalIdOf(
      'AWS::Lambda::Function',
      { Handler: 'processors/inference/index.handler' },
      {
        inference: {
          batchSize: 250,
          maxBatchingWindowSeconds: 2,
          parallelizationFactor: 4,
          retryAttempts: 5,
        },
      },
    );
    const queue = queueIdOf('InferenceOnFailure', {
      inference: { batchSize: 250, maxBatchingWindowSeconds: 2, parallelizationFactor: 4, retryAttempts: 5 },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fn },
      BatchSize: 250,
      MaximumBatchingWindowInSeconds: 2,
      ParallelizationFactor: 4,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 5,
      MaximumRecordAgeInSeconds: 86_400,
      StartingPosition: 'TRIM_HORIZON',
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue, 'Arn'] } } },
    });
    template.hasResource('AWS::SQS::Queue', {
      Properties: Match.objectLike({
        QueueName: Match.absent(),
        KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineKey'), 'Arn'] },
      }),
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineKey'), 'Arn'] },
    });
  });
});

describe('PfmStack: the drift function', () => {
  it('has its own event source with a tumbling window and publishes to the bus', () => {
    const { template } = synth({ drift: { tumblingWindowSeconds: 600 } });
    const fn = logicalIdOf(
      'AWS::Lambda::Function',
      { Handler: 'processors/drift/index.handler' },
      {
        drift: { tumblingWindowSeconds: 600 },
      },
    );
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fn },
      TumblingWindowInSeconds: 600,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 500,
      MaximumRecordAgeInSeconds: 86_400,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'processors/drift/index.handler',
      Environment: {
        Variables: Match.objectLike({ PFM_EVENT_BUS: { Ref: Match.stringLikeRegexp('^EventsBus') } }),
      },
    });
  });
});

describe('PfmStack: the drift state table and drift scores', () => {
  type Statement = { Action: unknown; Resource: unknown; Condition?: unknown };
  function driftStatements(settings = {}): Statement[] {
    const policies = resourcesOf('AWS::IAM::Policy', settings);
    const drift = Object.entries(policies).find(([id]) => id.startsWith('DriftHandlerRole'));
    expect(drift).toBeDefined();
    return (drift?.[1].Properties.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement ?? [];
  }

  it('is on-demand, with point-in-time recovery, the pipeline key and a TTL on expiresAt', () => {
    const { template } = synth();
    const keyId = logicalIdOf('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: names.driftStateTable,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it.each([
    ['timestream', TIMESTREAM_SETTINGS],
    ['influxdb', INFLUX_SETTINGS],
  ])('points the drift function at the table with a lease past its timeout (%s)', (_n, settings) => {
    const { template } = synth(settings);
    const table = logicalIdOf('AWS::DynamoDB::Table', { TableName: names.driftStateTable }, settings);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'processors/drift/index.handler',
      Timeout: 120,
      Environment: {
        Variables: Match.objectLike({
          PFM_DRIFT_STATE_TABLE: { Ref: table },
          PFM_DRIFT_LOCK_LEASE_SECONDS: '180',
        }),
      },
    });
  });

  it('grants the drift function only the four item actions on that table, and the key through DynamoDB only', () => {
    const statements = driftStatements();
    const dynamo = statements.filter((s) => [s.Action].flat().some((a) => String(a).startsWith('dynamodb:')));
    expect(dynamo).toHaveLength(1);
    expect([dynamo[0]?.Action].flat().sort()).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
    ]);
    expect(dynamo[0]?.Resource).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^DriftStateTable/), 'Arn'],
    });
    const kms = statements.find((s) => [s.Action].flat().includes('kms:GenerateDataKey') && s.Condition);
    expect(kms?.Condition).toEqual({
      StringEquals: {
        'kms:ViaService': { 'Fn::Join': ['', ['dynamodb.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
      },
    });
  });

  it('with Timestream, names the drift table and lets the drift function write only that table', () => {
    const { template } = synth(TIMESTREAM_SETTINGS);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'processors/drift/index.handler',
      Environment: {
        Variables: Match.objectLike({
          PFM_SINK: 'timestream',
          TIMESTREAM_DATABASE: { Ref: Match.stringLikeRegexp('^StoreDatabase') },
          TIMESTREAM_DRIFT_TABLE: 'drift_scores',
        }),
      },
    });
    const write = driftStatements(TIMESTREAM_SETTINGS).find((s) => s.Action === 'timestream:WriteRecords');
    expect(write?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^StoreDriftTable/), 'Arn'] });
  });

  it('with InfluxDB, puts the drift function in the VPC with the store, reading the token only', () => {
    const { template } = synth(INFLUX_SETTINGS);
    const drift = Object.values(resourcesOf('AWS::Lambda::Function', INFLUX_SETTINGS)).find(
      (f) => f.Properties.Handler === 'processors/drift/index.handler',
    );
    const variables = (drift?.Properties.Environment as { Variables: Record<string, unknown> } | undefined)
      ?.Variables;
    expect(variables).toMatchObject({
      PFM_SINK: 'influxdb',
      INFLUXDB_DATABASE: 'predictions',
      INFLUXDB_TOKEN_SECRET_ARN: { Ref: expect.stringMatching(/TokenSecret/) },
    });
    expect(variables?.TIMESTREAM_DATABASE).toBeUndefined();
    expect(drift?.Properties.VpcConfig).toMatchObject({
      SecurityGroupIds: [{ 'Fn::GetAtt': [expect.stringMatching(/ClientSecurityGroup/), 'GroupId'] }],
    });
    const secrets = driftStatements(INFLUX_SETTINGS).filter((s) =>
      [s.Action].flat().some((a) => String(a).startsWith('secretsmanager:')),
    );
    expect(secrets.flatMap((s) => [s.Action].flat()).sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    // What the drift function calls from inside the VPC, without a NAT: EventBridge and DynamoDB.
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.events']] },
      VpcEndpointType: 'Interface',
    });
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.dynamodb']] },
      VpcEndpointType: 'Gateway',
    });
  });
});

describe('PfmStack: Timestream sink', () => {
  it('creates the database with the key and the tables with retention and magnetic writes', () => {
    const { template } = synth({
      sink: { kind: 'timestream', memoryRetentionHours: 12, magneticRetentionDays: 30 },
    });
    template.hasResourceProperties('AWS::Timestream::Database', {
      DatabaseName: Match.absent(),
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineKey'), 'Arn'] },
    });
    for (const table of ['predictions', 'quarantine', 'drift_scores']) {
      template.hasResourceProperties('AWS::Timestream::Table', {
        TableName: table,
        RetentionProperties: {
          MemoryStoreRetentionPeriodInHours: '12',
          MagneticStoreRetentionPeriodInDays: '30',
        },
        MagneticStoreWriteProperties: {
          EnableMagneticStoreWrites: true,
          MagneticStoreRejectedDataLocation: {
            S3Configuration: {
              BucketName: { Ref: Match.stringLikeRegexp('RejectedRecords') },
              EncryptionOption: 'SSE_S3',
            },
          },
        },
      });
    }
  });

  it('keeps error reports in an encrypted, private, SSL-only bucket with access logs', () => {
    const { template } = synth(TIMESTREAM_SETTINGS);
    const bucket = logicalIdOf(
      'AWS::S3::Bucket',
      { LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'rejected-records/' }) },
      TIMESTREAM_SETTINGS,
    );
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'rejected-records/' }),
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucket },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('tells the alerts topic of every rejected-records report Timestream writes to that bucket', () => {
    const { template } = synth(TIMESTREAM_SETTINGS);
    const bucket = logicalIdOf(
      'AWS::S3::Bucket',
      { LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'rejected-records/' }) },
      TIMESTREAM_SETTINGS,
    );
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: bucket },
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [{ Ref: bucket }] } },
      },
      Targets: [
        Match.objectLike({
          Arn: { Ref: logicalIdOf('AWS::SNS::Topic', { TopicName: names.alertsTopic }, TIMESTREAM_SETTINGS) },
          InputTransformer: Match.objectLike({ InputTemplate: Match.stringLikeRegexp('rejected') }),
        }),
      ],
    });
  });

  it('lets the inference function write only its two tables', () => {
    const policies = resourcesOf('AWS::IAM::Policy', TIMESTREAM_SETTINGS);
    const inference = Object.entries(policies).find(([id]) => id.startsWith('InferenceHandlerRole'));
    expect(inference).toBeDefined();
    const document = inference?.[1].Properties.PolicyDocument as {
      Statement: { Action: unknown; Resource: unknown }[];
    };
    const statements = document.Statement;
    const write = statements.find((s) => s.Action === 'timestream:WriteRecords');
    expect(write?.Resource).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/^StorePredictionsTable/), 'Arn'] },
      { 'Fn::GetAtt': [expect.stringMatching(/^StoreQuarantineTable/), 'Arn'] },
    ]);
  });
});

describe('PfmStack: InfluxDB sink', () => {
  it('runs Timestream for InfluxDB privately in the VPC, with the token in Secrets Manager', () => {
    const { template } = synth(INFLUX_SETTINGS);
    template.resourceCountIs('AWS::Timestream::Table', 0);
    template.hasResourceProperties('AWS::Timestream::InfluxDBInstance', {
      PubliclyAccessible: false,
      DbInstanceType: 'db.influx.medium',
      DeploymentType: 'SINGLE_AZ',
      Port: 8086,
      VpcSecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('InfluxSecurityGroup'), 'GroupId'] }],
      Password: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 8086,
      ToPort: 8086,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('ClientSecurityGroup'), 'GroupId'] },
    });
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('InfluxDB API token'),
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineKey'), 'Arn'] },
    });
  });

  it('makes the token at deploy time with a custom resource in the VPC, rotates it, and starts no client before it', () => {
    const { template } = synth(INFLUX_SETTINGS);
    const tokenFn = logicalIdOf(
      'AWS::Lambda::Function',
      { Handler: 'processors/influxToken/index.handler' },
      INFLUX_SETTINGS,
    );
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'processors/influxToken/index.handler',
      VpcConfig: Match.objectLike({
        SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('ClientSecurityGroup'), 'GroupId'] }],
      }),
      Environment: {
        Variables: Match.objectLike({
          INFLUXDB_ORG: 'pfm',
          INFLUXDB_BUCKET: 'predictions',
          INFLUXDB_DATABASE: 'predictions',
          INFLUXDB_ADMIN_SECRET_ARN: { Ref: Match.stringLikeRegexp('AdminSecret') },
          INFLUXDB_TOKEN_SECRET_ARN: { Ref: Match.stringLikeRegexp('TokenSecret') },
        }),
      },
    });
    const tokens = template.findResources('Custom::InfluxDbToken');
    expect(Object.keys(tokens)).toHaveLength(1);
    const [tokenId, token] = Object.entries(tokens)[0] as [
      string,
      { Properties: Record<string, unknown>; DependsOn: string[] },
    ];
    expect(token.Properties).toMatchObject({ Bucket: 'predictions', Organization: 'pfm' });
    expect(token.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^StoreInflux/)]));
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: Match.stringLikeRegexp('TokenSecret') },
      RotationLambdaARN: { 'Fn::GetAtt': [tokenFn, 'Arn'] },
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
      RotateImmediatelyOnUpdate: false,
    });
    // Every function that reads the token starts after it exists.
    const functions = resourcesOf('AWS::Lambda::Function', INFLUX_SETTINGS) as Record<
      string,
      { Properties: { Handler?: string }; DependsOn?: string[] }
    >;
    for (const entry of ['inference', 'drift', 'agent']) {
      const fn = Object.values(functions).find(
        (f) => f.Properties.Handler === `processors/${entry}/index.handler`,
      );
      expect(fn?.DependsOn, entry).toContain(tokenId);
    }
  });

  it("points the functions at InfluxDB and puts the store's clients in the private subnets", () => {
    const { template } = synth(INFLUX_SETTINGS);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'processors/inference/index.handler',
      VpcConfig: {
        SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('ClientSecurityGroup'), 'GroupId'] }],
      },
      Environment: {
        Variables: Match.objectLike({
          PFM_SINK: 'influxdb',
          INFLUXDB_URL: {
            'Fn::Join': [
              '',
              ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('Influx'), 'Endpoint'] }, ':8086'],
            ],
          },
          INFLUXDB_DATABASE: 'predictions',
          INFLUXDB_TOKEN_SECRET_ARN: { Ref: Match.stringLikeRegexp('TokenSecret') },
        }),
      },
    });
  });
});

describe('PfmStack: retraining events', () => {
  it('routes the drift events to the encrypted topic and to the retraining queue with a DLQ', () => {
    const { template } = synth(FULL_SETTINGS);
    const topic = logicalIdOf('AWS::SNS::Topic', { TopicName: names.alertsTopic }, FULL_SETTINGS);
    const queue = queueIdOf('EventsRetrainingQueue', FULL_SETTINGS);
    const dlq = queueIdOf('EventsRetrainingDlq', FULL_SETTINGS);
    template.hasResourceProperties('AWS::Events::EventBus', { Name: names.eventBus });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: Match.stringLikeRegexp('^EventsBus') },
      EventPattern: { source: [DRIFT_EVENT_SOURCE], 'detail-type': [...RETRAINING_DETAIL_TYPES] },
      Targets: Match.arrayWith([
        Match.objectLike({
          Arn: { Ref: topic },
          DeadLetterConfig: Match.anyValue(),
          RetryPolicy: Match.anyValue(),
        }),
        Match.objectLike({ Arn: { 'Fn::GetAtt': [queue, 'Arn'] }, DeadLetterConfig: Match.anyValue() }),
      ]),
    });
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: names.alertsTopic,
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: Match.anyValue(),
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: topic },
    });
  });

  it('has no email subscription unless one is configured', () => {
    synth().template.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

describe('PfmStack: the simulator schedule', () => {
  it('exists but is disabled by default', () => {
    synth().template.hasResourceProperties('AWS::Scheduler::Schedule', {
      State: 'DISABLED',
      ScheduleExpression: 'rate(1 minute)',
    });
  });

  it('runs the simulator function when enabled', () => {
    const fn = logicalIdOf(
      'AWS::Lambda::Function',
      { Handler: 'stream/simulator/index.handler' },
      FULL_SETTINGS,
    );
    synth(FULL_SETTINGS).template.hasResourceProperties('AWS::Scheduler::Schedule', {
      State: 'ENABLED',
      ScheduleExpression: 'rate(5 minutes)',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [fn, 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 0 },
      }),
    });
    synth(FULL_SETTINGS).template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'stream/simulator/index.handler',
      Environment: {
        Variables: Match.objectLike({ PFM_SIM_RECORDS: '200', PFM_STREAM_NAME: { Ref: Match.anyValue() } }),
      },
    });
  });
});

describe('PfmStack: the scheduled forecast', () => {
  it('runs every 15 minutes by default, in the InfluxDB store network, with the model and the due memory on the state table', () => {
    const { template } = synth(INFLUX_SETTINGS);
    const fn = logicalIdOf(
      'AWS::Lambda::Function',
      { Handler: 'processors/forecast/index.handler' },
      INFLUX_SETTINGS,
    );
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      State: 'ENABLED',
      ScheduleExpression: 'rate(15 minutes)',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [fn, 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 0 },
      }),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'processors/forecast/index.handler',
      Timeout: 300,
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
      Environment: {
        Variables: Match.objectLike({
          PFM_SINK: 'influxdb',
          PFM_MODEL_DIR: '/var/task/model/artifacts',
          PFM_FORECAST_STATE_TABLE: { Ref: Match.stringLikeRegexp('^DriftStateTable') },
          PFM_EVENT_BUS: { Ref: Match.stringLikeRegexp('^EventsBus') },
          PFM_FORECAST_NOTICE_HOURS: '2',
          PFM_FORECAST_DUE_LEVEL: '0.5',
          INFLUXDB_TOKEN_SECRET_ARN: { Ref: Match.stringLikeRegexp('^StoreTokenSecret') },
        }),
      },
    });
    // MaintenanceDue events reach people through the alerts topic.
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['pfm.forecast'], 'detail-type': ['MaintenanceDue'] },
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^Alerts') } })],
    });
  });

  it('on Timestream for LiveAnalytics: reads the predictions table and writes the forecasts table, nothing else', () => {
    const { template } = synth(TIMESTREAM_SETTINGS);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'processors/forecast/index.handler',
      Environment: {
        Variables: Match.objectLike({ PFM_SINK: 'timestream', TIMESTREAM_FORECAST_TABLE: 'forecasts' }),
      },
    });
    const fn = logicalIdOf(
      'AWS::Lambda::Function',
      { Handler: 'processors/forecast/index.handler' },
      TIMESTREAM_SETTINGS,
    );
    const fnProps = template.findResources('AWS::Lambda::Function')[fn]?.Properties as {
      Role: { 'Fn::GetAtt': string[] };
    };
    const role = fnProps.Role['Fn::GetAtt'][0];
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role))
      .flatMap(
        (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
      );
    const onTables = (action: string) =>
      statements
        .filter((st) => [st.Action].flat().includes(action))
        .flatMap((st) => [st.Resource].flat())
        .map((r) => JSON.stringify(r));
    expect(onTables('timestream:WriteRecords')).toEqual([expect.stringContaining('StoreForecastsTable')]);
    expect(onTables('timestream:Select').sort()).toEqual([
      expect.stringContaining('StoreForecastsTable'),
      expect.stringContaining('StorePredictionsTable'),
    ]);
  });

  it('takes its rate, levels and horizon from the settings, and refuses a run longer than its period', () => {
    const settings = { ...INFLUX_SETTINGS, forecast: { rateMinutes: 30, dueLevel: 0.6, horizonHours: 12 } };
    const { template } = synth(settings);
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(30 minutes)' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'processors/forecast/index.handler',
      Environment: {
        Variables: Match.objectLike({ PFM_FORECAST_DUE_LEVEL: '0.6', PFM_FORECAST_HORIZON_HOURS: '12' }),
      },
    });
    expect(() => synth({ forecast: { rateMinutes: 2, timeoutSeconds: 300 } })).toThrow(
      /forecast\.timeoutSeconds: must not exceed rateMinutes x 60 = 120/,
    );
  });
});

describe('PfmStack: the Bedrock agent', () => {
  it('is not created by default', () => {
    synth().template.resourceCountIs('AWS::Bedrock::Agent', 0);
  });

  it('uses the configured model and an action group on the agent function', () => {
    const { template } = synth(FULL_SETTINGS);
    const fn = logicalIdOf(
      'AWS::Lambda::Function',
      { Handler: 'processors/agent/index.handler' },
      FULL_SETTINGS,
    );
    template.hasResourceProperties('AWS::Bedrock::Agent', {
      FoundationModel: FULL_SETTINGS.agent.foundationModelId,
      AutoPrepare: true,
      ActionGroups: [
        Match.objectLike({
          ActionGroupExecutor: { Lambda: { 'Fn::GetAtt': [fn, 'Arn'] } },
          FunctionSchema: { Functions: Match.arrayWith([Match.objectLike({ Name: Match.anyValue() })]) },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [fn, 'Arn'] },
      Principal: 'bedrock.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Agent'), 'AgentArn'] },
    });
    const guardrail = logicalIdOf('AWS::Bedrock::Guardrail', {}, FULL_SETTINGS);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            // pfm ask streams the final answer: the agent's role needs the streaming invocation too.
            Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
            Effect: 'Allow',
            Resource: {
              'Fn::Join': [
                '',
                Match.arrayWith([`::foundation-model/${FULL_SETTINGS.agent.foundationModelId}`]),
              ],
            },
          },
          {
            Action: 'bedrock:ApplyGuardrail',
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [guardrail, 'GuardrailArn'] },
          },
        ],
      },
    });
  });

  it('applies a pinned guardrail version and is invoked through an alias the stack outputs', () => {
    const { template } = synth(FULL_SETTINGS);
    const guardrail = logicalIdOf('AWS::Bedrock::Guardrail', {}, FULL_SETTINGS);
    const version = logicalIdOf('AWS::Bedrock::GuardrailVersion', {}, FULL_SETTINGS);
    template.hasResourceProperties('AWS::Bedrock::Guardrail', {
      ContentPolicyConfig: {
        FiltersConfig: Match.arrayWith([
          { Type: 'MISCONDUCT', InputStrength: 'HIGH', OutputStrength: 'HIGH' },
          { Type: 'PROMPT_ATTACK', InputStrength: 'HIGH', OutputStrength: 'NONE' },
        ]),
      },
    });
    template.hasResourceProperties('AWS::Bedrock::Agent', {
      GuardrailConfiguration: {
        GuardrailIdentifier: { 'Fn::GetAtt': [guardrail, 'GuardrailId'] },
        GuardrailVersion: { 'Fn::GetAtt': [version, 'Version'] },
      },
    });
    const agent = logicalIdOf('AWS::Bedrock::Agent', {}, FULL_SETTINGS);
    template.hasResourceProperties('AWS::Bedrock::AgentAlias', {
      AgentId: { 'Fn::GetAtt': [agent, 'AgentId'] },
      AgentAliasName: 'live',
    });
    template.hasOutput('AgentAliasId', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AgentAlias'), 'AgentAliasId'] },
    });
  });

  it('grants the streaming invocation on an inference profile and its models too', () => {
    const policies = Object.values(resourcesOf('AWS::IAM::Policy', INFLUX_SETTINGS)).flatMap(
      (p) => (p.Properties.PolicyDocument as { Statement: { Action: unknown }[] }).Statement,
    );
    const bedrock = policies.filter((s) => [s.Action].flat().includes('bedrock:InvokeModel'));
    expect(bedrock).toHaveLength(2);
    for (const s of bedrock) expect([s.Action].flat()).toContain('bedrock:InvokeModelWithResponseStream');
  });
});

describe('PfmStack: alarms', () => {
  it('watches iterator age, errors, failure queues and quarantined records, notifying the topic', () => {
    const { template } = synth(FULL_SETTINGS);
    const topic = { Ref: logicalIdOf('AWS::SNS::Topic', { TopicName: names.alertsTopic }, FULL_SETTINGS) };
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'IteratorAge',
      Namespace: 'AWS/Lambda',
      Threshold: 60_000,
      AlarmActions: [topic],
    });
    for (const fn of ['inference', 'drift', 'simulator', 'agent', 'influxToken']) {
      const id = logicalIdOf(
        'AWS::Lambda::Function',
        { Handler: Match.stringLikeRegexp(`/${fn}/index.handler$`) },
        FULL_SETTINGS,
      );
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: id } }],
        AlarmActions: [topic],
      });
    }
    for (const queue of ['InferenceOnFailure', 'DriftOnFailure', 'EventsRetrainingDlq', 'EventsRuleDlq']) {
      const id = queueIdOf(queue, FULL_SETTINGS);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } }],
        Threshold: 0,
      });
    }
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topic],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'sns:Publish', Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'pfm',
      MetricName: QUARANTINE_METRIC,
      Dimensions: [{ Name: 'service', Value: 'pfm-inference' }],
      Statistic: 'Sum',
      Threshold: 100,
      AlarmActions: [topic],
    });
  });
});

describe('PfmStack: alarms on the stream and on every function', () => {
  const alarms = () => Object.values(resourcesOf('AWS::CloudWatch::Alarm', FULL_SETTINGS));
  const topic = () => ({
    Ref: logicalIdOf('AWS::SNS::Topic', { TopicName: names.alertsTopic }, FULL_SETTINGS),
  });

  it('alarms on the stream: oldest unread record, throttled reads, throttled writes', () => {
    const stream = { Ref: logicalIdOf('AWS::Kinesis::Stream', { Name: names.stream }, FULL_SETTINGS) };
    const template = synth(FULL_SETTINGS).template;
    for (const [metric, statistic, threshold] of [
      ['GetRecords.IteratorAgeMilliseconds', 'Maximum', 60_000],
      ['ReadProvisionedThroughputExceeded', 'Sum', 0],
      ['WriteProvisionedThroughputExceeded', 'Sum', 0],
    ] as const) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Kinesis',
        MetricName: metric,
        Statistic: statistic,
        Threshold: threshold,
        Dimensions: [{ Name: 'StreamName', Value: stream }],
        AlarmActions: [topic()],
        OKActions: [topic()],
      });
    }
  });

  it.each([
    ['inference', 60],
    ['drift', 120],
    ['simulator', 60],
    ['agent', 30],
  ])('alarms on %s throttles and on a run past 80%% of its %i s timeout', (fn, timeoutSeconds) => {
    const id = logicalIdOf(
      'AWS::Lambda::Function',
      { Handler: Match.stringLikeRegexp(`/${fn}/index.handler$`) },
      FULL_SETTINGS,
    );
    const template = synth(FULL_SETTINGS).template;
    const dimensions = [{ Name: 'FunctionName', Value: { Ref: id } }];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Throttles',
      Dimensions: dimensions,
      Threshold: 0,
      AlarmActions: [topic()],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Duration',
      Statistic: 'Maximum',
      Dimensions: dimensions,
      Threshold: timeoutSeconds * 1000 * 0.8,
      AlarmActions: [topic()],
    });
  });

  it('alarms when a stream function cannot hand a given-up batch to its on-failure queue', () => {
    const onFailure = alarms().filter((a) => a.Properties.MetricName === 'DestinationDeliveryFailures');
    expect(onFailure).toHaveLength(2);
    for (const a of onFailure) expect(a.Properties.AlarmActions).toEqual([topic()]);
  });
});

describe('PfmStack: retries that outlast an outage', () => {
  it.each(['inference', 'drift'])(
    '%s reads the stream with the Solutions Constructs defaults: bisect, 500 retries, 24 h',
    (fn) => {
      const id = logicalIdOf('AWS::Lambda::Function', { Handler: `processors/${fn}/index.handler` });
      synth().template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: id },
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 500,
        MaximumRecordAgeInSeconds: 86_400,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    },
  );
});

describe('PfmStack: reserved concurrency', () => {
  it('reserves none by default (a new account with a quota of 10 refuses any reservation)', () => {
    for (const fn of Object.values(resourcesOf('AWS::Lambda::Function', FULL_SETTINGS))) {
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    }
  });

  it('caps the scoring function and keeps executions for the agent and the simulator when asked', () => {
    const settings = {
      ...FULL_SETTINGS,
      inference: { reservedConcurrency: 20 },
      agent: { ...FULL_SETTINGS.agent, reservedConcurrency: 5 },
      simulator: { ...FULL_SETTINGS.simulator, reservedConcurrency: 1 },
    };
    const { template } = synth(settings);
    for (const [fn, reserved] of [
      ['processors/inference', 20],
      ['processors/agent', 5],
      ['stream/simulator', 1],
    ] as const) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Handler: `${fn}/index.handler`,
        ReservedConcurrentExecutions: reserved,
      });
    }
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'processors/drift/index.handler',
      ReservedConcurrentExecutions: Match.absent(),
    });
  });
});

describe('PfmStack: every function', () => {
  it.each([
    ['default', {}],
    ['full', FULL_SETTINGS],
    ['influxdb', INFLUX_SETTINGS],
  ])('has the Powertools environment, active tracing and its own log group (%s)', (_name, settings) => {
    // The project's functions (PfmFunction): not CDK's built-in providers (CDK_PROVIDER_HANDLER) nor the
    // Provider framework's relay function, both CDK's own.
    const functions = Object.values(resourcesOf('AWS::Lambda::Function', settings)).filter(
      (fn) =>
        fn.Properties.Handler !== CDK_PROVIDER_HANDLER &&
        String(fn.Properties.Handler).endsWith('/index.handler'),
    );
    expect(functions.length).toBeGreaterThanOrEqual(3);
    for (const fn of functions) {
      const vars = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(vars.POWERTOOLS_SERVICE_NAME).toMatch(/^pfm-/);
      expect(vars.POWERTOOLS_METRICS_NAMESPACE).toBe('pfm');
      expect(vars.NODE_OPTIONS).toBe('--max-semi-space-size=64');
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(fn.Properties.LoggingConfig).toMatchObject({ LogGroup: { Ref: expect.stringMatching(/Logs/) } });
    }
  });
});

describe('PfmStack: least privilege', () => {
  // Each unscoped statement names why: none of these actions supports resource-level permissions.
  const UNSCOPED_ALLOWED = new Set([
    'xray:PutTraceSegments',
    'xray:PutTelemetryRecords',
    'timestream:DescribeEndpoints',
    'ec2:CreateNetworkInterface',
    'ec2:DescribeNetworkInterfaces',
    'ec2:DescribeSubnets',
    'ec2:DeleteNetworkInterface',
    'ec2:AssignPrivateIpAddresses',
    'ec2:UnassignPrivateIpAddresses',
    // Granted by CDK's RotationSchedule to every rotation function; it takes no resource.
    'secretsmanager:GetRandomPassword',
  ]);

  it.each([
    ['default', {}],
    ['full', FULL_SETTINGS],
    ['influxdb', INFLUX_SETTINGS],
  ])(
    'grants no wildcard action and "*" resources only for actions without resource scoping (%s)',
    (_n, settings) => {
      const documents = [
        ...Object.values(resourcesOf('AWS::IAM::Policy', settings)).map((p) => p.Properties.PolicyDocument),
        ...Object.values(resourcesOf('AWS::IAM::Role', settings)).flatMap((r) =>
          ((r.Properties.Policies as { PolicyDocument: unknown }[] | undefined) ?? []).map(
            (p) => p.PolicyDocument,
          ),
        ),
      ] as { Statement: { Action: string | string[]; Resource: unknown }[] }[];
      expect(documents.length).toBeGreaterThan(0);
      for (const doc of documents) {
        for (const statement of doc.Statement) {
          const actions = [statement.Action].flat();
          for (const action of actions) expect(action).not.toContain('*');
          if ([statement.Resource].flat().includes('*')) {
            for (const action of actions) expect(UNSCOPED_ALLOWED.has(action), action).toBe(true);
          }
        }
      }
      for (const [id, role] of Object.entries(resourcesOf('AWS::IAM::Role', settings))) {
        // CDK's own custom-resource providers (the VPC's default-security-group cleanup) come with the basic
        // execution policy and no way to swap it; every role of ours has inline statements only.
        const managed = CDK_PROVIDER_ROLE.test(id) ? [CDK_PROVIDER_POLICY] : undefined;
        expect(role.Properties.ManagedPolicyArns, id).toEqual(managed);
      }
    },
  );
});

describe('PfmStack: bad settings', () => {
  it.each([
    [{ stream: { capacity: 'on-demand', shardCount: 3 } }, 'stream.shardCount'],
    [{ inference: { batchSize: 0 } }, 'inference.batchSize'],
    [{ agent: { enabled: true } }, 'agent.foundationModelId'],
    [{ sink: { kind: 'sqlite' } }, 'sink.kind'],
  ])('refuse to build (%j)', (settings, path) => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    // biome-ignore lint/suspicious/noExplicitAny: deliberately invalid settings
    expect(() => new PfmStack(app, 'Bad', { settings: settings as any })).toThrow(PfmError);
    // biome-ignore lint/suspicious/noExplicitAny: deliberately invalid settings
    expect(() => new PfmStack(new App(), 'Bad', { settings: settings as any })).toThrow(path);
  });
});
