import { Stack } from 'aws-cdk-lib';
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

/** Where people hear about the pipeline: alarms and retraining events, encrypted, TLS only. */
export function alertsTopic(scope: Construct, id: string, props: AlertsTopicProps): sns.Topic {
  const topic = new sns.Topic(scope, id, {
    topicName: props.topicName,
    displayName: 'pfm alerts',
    masterKey: props.key,
    enforceSSL: true,
  });
  // The topic has its own policy (SSL only, EventBridge), so the alarms' publisher must be named in it too.
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
    }),
  );
  if (props.email !== undefined) topic.addSubscription(new subscriptions.EmailSubscription(props.email));
  return topic;
}
