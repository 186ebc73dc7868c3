import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

/**
 * Services that write into the key's queues on the pipeline's behalf: EventBridge delivering to the retraining
 * queue and the rule's dead-letter queue. (The alerts topic admits its writers to the key itself: SNS
 * documents no source condition on the key for EventBridge, see alertsTopic.ts.)
 */
const SERVICE_WRITERS = ['events.amazonaws.com'] as const;

/**
 * The pipeline's customer-managed key (stream, queues, topic, secrets and the time-series store), rotated
 * yearly, usable by the services that deliver into those resources from this account only.
 */
export function pipelineKey(scope: Construct, id: string, props: { namePrefix: string }): kms.Key {
  const key = new kms.Key(scope, id, {
    alias: `alias/${props.namePrefix}-pipeline`,
    description: 'pfm pipeline: stream, queues, topic, secrets and the time-series store',
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  for (const service of SERVICE_WRITERS) {
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal(service)],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
      }),
    );
  }
  return key;
}
