import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { PfmStackConfig } from '../config.js';

export interface ReadingsStreamProps {
  streamName: string;
  settings: PfmStackConfig['stream'];
  key: kms.IKey;
}

/**
 * The Kinesis stream the readings arrive on: on-demand or provisioned, encrypted with the pipeline's key,
 * deleted with the stack.
 */
export function readingsStream(scope: Construct, id: string, props: ReadingsStreamProps): kinesis.Stream {
  const { settings } = props;
  const stream = new kinesis.Stream(scope, id, {
    streamName: props.streamName,
    streamMode:
      settings.capacity === 'on-demand' ? kinesis.StreamMode.ON_DEMAND : kinesis.StreamMode.PROVISIONED,
    shardCount: settings.shardCount,
    retentionPeriod: Duration.hours(settings.retentionHours),
    encryption: kinesis.StreamEncryption.KMS,
    encryptionKey: props.key,
    // Readings in transit only (the store keeps what they became): a retained stream would keep billing by the
    // hour and hold its name against the next deploy.
    removalPolicy: RemovalPolicy.DESTROY,
  });
  Validations.of(stream).acknowledge({
    id: 'AwsSolutions-KDS3',
    reason:
      'A customer-managed key is a requirement of this stack: its key policy, rotation and CloudTrail record cover the stream like the queues, topic and store.',
  });
  return stream;
}
