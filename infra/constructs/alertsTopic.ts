import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';

export interface AlertsTopicProps {
  topicName: string;
  key: kms.IKey;
  /** Subscribed to the topic when given. */
  email: string | undefined;
}

/** Services that publish to the topic: alarms (CloudWatch) and the retraining rule (EventBridge). */
const TOPIC_WRITERS = ['cloudwatch.amazonaws.com', 'events.amazonaws.com'] as const;

/** Where people hear about the pipeline: alarms and retraining events, encrypted, TLS only. */
export function alertsTopic(scope: Construct, id: string, props: AlertsTopicProps): sns.Topic {
  const topic = new sns.Topic(scope, id, {
    topicName: props.topicName,
    displayName: 'pfm alerts',
    masterKey: props.key,
    enforceSSL: true,
  });
  const stack = Stack.of(scope);
  // The topic has its own policy (SSL only, EventBridge), so the alarms' publisher must be named in it too.
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: {
          'aws:SourceArn': stack.formatArn({
            service: 'cloudwatch',
            resource: 'alarm',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
      },
    }),
  );
  // Publishing to an encrypted topic takes a data key. The SNS developer guide (sns-key-management) says an
  // aws:SourceArn / aws:SourceAccount condition on the key is not supported for EventBridge-to-encrypted-topic,
  // so the key admits these services only for data keys bound to this topic: SNS asks KMS with the topic ARN as
  // encryption context (aws:sns:topicArn). The ARN is spelled out (not a Ref) because the topic already
  // depends on the key.
  const topicArn = stack.formatArn({ service: 'sns', resource: props.topicName });
  props.key.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: TOPIC_WRITERS.map((s) => new iam.ServicePrincipal(s)),
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: { StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': topicArn } },
    }),
  );
  if (props.email !== undefined) topic.addSubscription(new subscriptions.EmailSubscription(props.email));
  return topic;
}
