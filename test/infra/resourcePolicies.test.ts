import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { resourceNames } from '../../infra/constants.js';
import {
  describeRows,
  type PolicyRow,
  resourcePolicies,
  unreadPolicyTypes,
  unscopedServiceGrants,
} from './resourcePolicies.js';
import { FULL_SETTINGS, INFLUX_SETTINGS, synth, TIMESTREAM_SETTINGS, testContext } from './synth.js';

const CASES = [
  ['default (Timestream for InfluxDB)', {}],
  ['Timestream for LiveAnalytics', TIMESTREAM_SETTINGS],
  ['everything on (email, simulator, agent)', FULL_SETTINGS],
  ['InfluxDB with an agent', INFLUX_SETTINGS],
] as const;

const names = resourceNames();

function rowsOf(settings: object): PolicyRow[] {
  return resourcePolicies(synth(settings).template.toJSON() as Parameters<typeof resourcePolicies>[0]);
}

describe('resource policies: every service principal is bound to its source', () => {
  it.each(CASES)('%s: each policy is read and none lets a service in unscoped', (_name, settings) => {
    const template = synth(settings).template.toJSON() as Parameters<typeof resourcePolicies>[0];
    expect(unreadPolicyTypes(template)).toEqual([]);
    const rows = resourcePolicies(template);
    const kinds = new Set(rows.map((r) => r.type));
    for (const kind of [
      'AWS::SQS::QueuePolicy',
      'AWS::SNS::TopicPolicy',
      'AWS::KMS::Key',
      'AWS::IAM::Role',
    ]) {
      expect(kinds.has(kind), kind).toBe(true);
    }
    expect(rows.filter((r) => r.principal.startsWith('service:')).length).toBeGreaterThan(5);
    const unscoped = unscopedServiceGrants(rows);
    expect(unscoped, `service principals without a source condition:\n${describeRows(unscoped)}`).toEqual([]);
  });

  it('reads the bucket policies (Timestream) and the Lambda permission (agent) too', () => {
    const kinds = (settings: object) => new Set(rowsOf(settings).map((r) => r.type));
    expect(kinds(TIMESTREAM_SETTINGS).has('AWS::S3::BucketPolicy')).toBe(true);
    expect(kinds(FULL_SETTINGS).has('AWS::Lambda::Permission')).toBe(true);
  });

  it('admits EventBridge to the retraining queue for the retraining rule only, to the alerts topic and the rule DLQ for the two rules only', () => {
    const { template } = synth();
    const rules = Object.keys(template.findResources('AWS::Events::Rule'));
    const retraining = rules.find((id) => id.startsWith('EventsRetrainingRule')) as string;
    const maintenance = rules.find((id) => id.startsWith('EventsMaintenanceDueRule')) as string;
    expect([retraining, maintenance].every(Boolean)).toBe(true);
    const arn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
    const eventGrants = rowsOf({}).filter(
      (r) => r.principal === 'service:events.amazonaws.com' && r.type !== 'AWS::KMS::Key',
    );
    expect(eventGrants.map((r) => r.type).sort()).toEqual([
      'AWS::SNS::TopicPolicy',
      'AWS::SNS::TopicPolicy',
      'AWS::SQS::QueuePolicy',
      'AWS::SQS::QueuePolicy',
      'AWS::SQS::QueuePolicy',
    ]);
    const sources: Record<string, string[]> = {};
    for (const type of ['AWS::SQS::QueuePolicy', 'AWS::SNS::TopicPolicy']) {
      for (const [, policy] of Object.entries(template.findResources(type))) {
        const document = (policy.Properties.PolicyDocument ?? {}) as {
          Statement: { Principal?: { Service?: string }; Action: string; Condition?: unknown }[];
        };
        for (const s of document.Statement.filter((s) => s.Principal?.Service === 'events.amazonaws.com')) {
          expect(s.Action).toMatch(/^(sqs:SendMessage|sns:Publish)$/);
          const rule =
            s.Condition && JSON.stringify(s.Condition).includes(maintenance) ? maintenance : retraining;
          expect(s.Condition).toEqual({
            ArnEquals: { 'aws:SourceArn': arn(rule) },
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          });
          sources[s.Action] = [
            ...(sources[s.Action] ?? []),
            rule === maintenance ? 'maintenance' : 'retraining',
          ];
        }
      }
    }
    // The topic hears both rules; the queues: the retraining queue the retraining rule, the rule DLQ both.
    expect(sources['sns:Publish']?.sort()).toEqual(['maintenance', 'retraining']);
    expect(sources['sqs:SendMessage']?.sort()).toEqual(['maintenance', 'retraining', 'retraining']);
  });

  it('lets services use the key only for this account (queues) or for data keys of the alerts topic', () => {
    const keyRows = rowsOf({}).filter(
      (r) => r.type === 'AWS::KMS::Key' && r.principal.startsWith('service:'),
    );
    expect(keyRows.map((r) => `${r.principal} ${r.conditionKeys.join(',')}`).sort()).toEqual([
      'service:cloudwatch.amazonaws.com kms:EncryptionContext:aws:sns:topicArn',
      'service:events.amazonaws.com aws:SourceAccount',
      'service:events.amazonaws.com kms:EncryptionContext:aws:sns:topicArn',
    ]);
    for (const row of keyRows) expect(row.actions.sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    const key = Object.values(synth().template.findResources('AWS::KMS::Key'))[0] as {
      Properties: { KeyPolicy: { Statement: { Condition?: Record<string, Record<string, unknown>> }[] } };
    };
    const topicContext = key.Properties.KeyPolicy.Statement.map(
      (s) => s.Condition?.StringEquals?.['kms:EncryptionContext:aws:sns:topicArn'],
    ).find((v) => v !== undefined);
    expect(JSON.stringify(topicContext)).toContain(`:${names.alertsTopic}`);
  });

  it('fails on what aws-events-targets grants by itself (the confused-deputy opening the check is for)', () => {
    const stack = new Stack(new App({ context: testContext() }), 'Unscoped');
    const key = new kms.Key(stack, 'Key');
    const topic = new sns.Topic(stack, 'Topic', { masterKey: key });
    const queue = new sqs.Queue(stack, 'Queue', { encryptionMasterKey: key });
    const rule = new events.Rule(stack, 'Rule', { eventPattern: { source: ['x'] } });
    rule.addTarget(new targets.SnsTopic(topic));
    rule.addTarget(new targets.SqsQueue(queue));
    const rows = resourcePolicies(
      Template.fromStack(stack).toJSON() as Parameters<typeof resourcePolicies>[0],
    );
    const unscoped = unscopedServiceGrants(rows);
    // The topic policy's sns:Publish and the key's data-key grant for the topic carry no condition.
    expect(unscoped.map((r) => r.type).sort()).toEqual(['AWS::KMS::Key', 'AWS::SNS::TopicPolicy']);
  });
});
