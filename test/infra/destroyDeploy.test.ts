import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template as CdkTemplate } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import {
  nameCollisions,
  physicalName,
  retained,
  retainedDependingOnDeleted,
  type Template,
  typesWithUnknownNames,
} from './destroyModel.js';
import { FULL_SETTINGS, INFLUX_SETTINGS, synth, TIMESTREAM_SETTINGS, testContext } from './synth.js';

/** Types in these templates that take no physical name of their own (nothing a second deploy could collide on). */
const UNNAMED_TYPES = new Set([
  'AWS::EC2::FlowLog',
  'AWS::EC2::RouteTable',
  'AWS::EC2::SecurityGroupIngress',
  'AWS::EC2::Subnet',
  'AWS::EC2::SubnetRouteTableAssociation',
  'AWS::EC2::VPC',
  'AWS::EC2::VPCEndpoint',
  'AWS::KMS::Key',
  'AWS::Lambda::EventSourceMapping',
  'AWS::Lambda::Permission',
  'AWS::S3::BucketPolicy',
  'AWS::SNS::Subscription',
  'AWS::SNS::TopicPolicy',
  'AWS::SQS::QueuePolicy',
  'AWS::SecretsManager::ResourcePolicy',
  'AWS::SecretsManager::RotationSchedule',
  'AWS::Bedrock::GuardrailVersion',
  'Custom::InfluxDbToken',
  'Custom::S3BucketNotifications',
  'Custom::VpcRestrictDefaultSG',
]);

const CASES = [
  ['default (Timestream for InfluxDB)', {}],
  ['Timestream for LiveAnalytics', TIMESTREAM_SETTINGS],
  ['everything on', FULL_SETTINGS],
  ['Timestream for InfluxDB', INFLUX_SETTINGS],
] as const;

/** What `cdk destroy` leaves on purpose (README, "What `cdk destroy` leaves"): the data and what it needs. */
const RETAINED_ON_PURPOSE: Record<string, string[]> = {
  timestream: [
    'AWS::KMS::Key PipelineKey',
    'AWS::S3::Bucket StoreAccessLogs',
    'AWS::S3::Bucket StoreRejectedRecords',
    'AWS::Timestream::Database StoreDatabase',
    'AWS::Timestream::Table StoreDriftTable',
    'AWS::Timestream::Table StoreForecastsTable',
    'AWS::Timestream::Table StorePredictionsTable',
    'AWS::Timestream::Table StoreQuarantineTable',
  ],
  influxdb: [
    'AWS::EC2::SecurityGroup StoreInfluxSecurityGroup',
    'AWS::EC2::Subnet StoreVpcprivateSubnet1Subnet',
    'AWS::EC2::Subnet StoreVpcprivateSubnet2Subnet',
    'AWS::EC2::VPC StoreVpc',
    'AWS::KMS::Key PipelineKey',
    'AWS::SecretsManager::Secret StoreAdminSecret',
    'AWS::Timestream::InfluxDBInstance StoreInflux',
  ],
};

function templateOf(settings: object): Template {
  return synth(settings).template.toJSON() as Template;
}

/** Logical ids without CDK's 8-character hash, with their type: stable across construct-path hashes. */
function retainedKinds(template: Template): string[] {
  return retained(template)
    .map((id) => `${template.Resources[id]?.Type} ${id.replace(/[0-9A-F]{8}$/, '')}`)
    .sort();
}

describe('cdk destroy, then cdk deploy of the same app', () => {
  it.each(CASES)('%s: no name the deploy claims is still held', (_name, settings) => {
    const template = templateOf(settings);
    expect(typesWithUnknownNames(template, UNNAMED_TYPES)).toEqual([]);
    expect(nameCollisions(template)).toEqual([]);
  });

  it.each(CASES)('%s: nothing retained depends on what the destroy deletes', (_name, settings) => {
    expect(retainedDependingOnDeleted(templateOf(settings))).toEqual([]);
  });

  it.each([
    ['influxdb', {}],
    ['timestream', TIMESTREAM_SETTINGS],
    ['influxdb', FULL_SETTINGS],
    ['influxdb', INFLUX_SETTINGS],
  ] as const)('retains only the %s store, what it needs, and the key', (store, settings) => {
    expect(retainedKinds(templateOf(settings))).toEqual(RETAINED_ON_PURPOSE[store]);
  });

  it('keeps the fixed names only where a deleted resource frees them (stream, bus, topic, table, alias)', () => {
    const template = templateOf(FULL_SETTINGS);
    const fixed = Object.keys(template.Resources)
      .map((id) => physicalName(template, id))
      .filter((n): n is string => n !== undefined)
      .map((n) => n.split(' ')[0])
      .sort();
    expect([...new Set(fixed)]).toEqual([
      'AWS::Bedrock::Agent',
      'AWS::Bedrock::Guardrail',
      'AWS::DynamoDB::Table',
      'AWS::Events::EventBus',
      'AWS::KMS::Alias',
      'AWS::Kinesis::Stream',
      'AWS::SNS::Topic',
    ]);
  });
});

describe('the destroy/deploy model catches what it is for', () => {
  function template(build: (stack: Stack) => void): Template {
    const stack = new Stack(new App({ context: testContext() }), 'Probe');
    build(stack);
    return CdkTemplate.fromStack(stack).toJSON() as Template;
  }

  it('a retained stream with a fixed name (the stack before this change)', () => {
    const t = template((stack) => {
      new kinesis.Stream(stack, 'Readings', {
        streamName: 'pfm-readings',
        removalPolicy: RemovalPolicy.RETAIN,
      });
    });
    expect(nameCollisions(t)).toEqual([
      expect.stringMatching(/^Readings\w+: AWS::Kinesis::Stream pfm-readings is still held by the retained/),
    ]);
  });

  it('a named queue, even one deleted with the stack', () => {
    const t = template((stack) => {
      new sqs.Queue(stack, 'Failures', {
        queueName: 'pfm-inference-failures',
        removalPolicy: RemovalPolicy.DESTROY,
        retentionPeriod: Duration.days(14),
      });
    });
    expect(nameCollisions(t)).toEqual([expect.stringMatching(/pfm-inference-failures \(SQS DeleteQueue/)]);
  });

  it('a retained instance-like resource inside a subnet the destroy deletes', () => {
    const t = template((stack) => {
      const vpc = new ec2.Vpc(stack, 'Vpc', {
        natGateways: 0,
        subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
      });
      const group = new ec2.SecurityGroup(stack, 'Group', { vpc });
      group.applyRemovalPolicy(RemovalPolicy.RETAIN);
    });
    expect(retainedDependingOnDeleted(t)).toEqual([
      expect.stringMatching(/^Group\w+ \(retained\) uses Vpc\w+ \(AWS::EC2::VPC, deleted\)$/),
    ]);
  });
});
