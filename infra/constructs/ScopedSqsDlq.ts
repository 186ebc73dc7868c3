import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

/**
 * An event source mapping's on-failure destination on an encrypted SQS queue, granting exactly what
 * Lambda needs to send there: aws-lambda-event-sources' SqsDlq grants the key's `kms:ReEncrypt*` and
 * `kms:GenerateDataKey*` wildcards.
 */
export class ScopedSqsDlq implements lambda.IEventSourceDlq {
  constructor(private readonly queue: sqs.IQueue) {}

  /** Grants the function's role the send (and its data key) and names the queue as the destination. */
  bind(_target: lambda.IEventSourceMapping, targetHandler: lambda.IFunction): lambda.DlqDestinationConfig {
    targetHandler.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes'],
        resources: [this.queue.queueArn],
      }),
    );
    const key = this.queue.encryptionMasterKey;
    if (key) {
      // SendMessage to a KMS-encrypted queue needs a data key (and Decrypt to reuse a cached one).
      targetHandler.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [key.keyArn] }),
      );
    }
    return { destination: this.queue.queueArn };
  }
}
