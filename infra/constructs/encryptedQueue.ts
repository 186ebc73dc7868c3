import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export interface EncryptedQueueProps {
  key: kms.IKey;
  retention?: Duration;
  visibilityTimeout?: Duration;
  /** Redrive to this queue after `maxReceiveCount` receives. */
  deadLetter?: { queue: sqs.IQueue; maxReceiveCount: number };
  /**
   * Set when the queue is itself where failures end up (an event source's on-failure destination, a
   * rule target's DLQ): cdk-nag only recognises queue-to-queue redrives, so this says what it is instead.
   */
  deadLetterFor?: string;
}

/**
 * An SQS queue encrypted with the given customer-managed key that refuses non-TLS requests. CloudFormation
 * names it: SQS holds a deleted queue's name for 60 s (DeleteQueue API reference), so a fixed name could make
 * `cdk deploy` right after `cdk destroy` fail. Find a queue by the stack's outputs, not by name.
 */
export function encryptedQueue(scope: Construct, id: string, props: EncryptedQueueProps): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: props.key,
    dataKeyReuse: Duration.minutes(5),
    enforceSSL: true,
    retentionPeriod: props.retention ?? Duration.days(14),
    visibilityTimeout: props.visibilityTimeout,
    deadLetterQueue: props.deadLetter,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  if (props.deadLetterFor !== undefined) {
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `This queue is the dead-letter destination of ${props.deadLetterFor}; a DLQ of a DLQ would only move the same messages again.`,
    });
  }
  return queue;
}
