import { Duration } from 'aws-cdk-lib';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { encryptedQueue } from './encryptedQueue.js';
import { PfmFunction, type PfmFunctionProps } from './PfmFunction.js';
import { ScopedSqsDlq } from './ScopedSqsDlq.js';

/** How the function reads the stream (see the Kinesis event source mapping settings). */
export interface StreamSourceSettings {
  batchSize: number;
  maxBatchingWindowSeconds: number;
  parallelizationFactor?: number;
  retryAttempts: number;
  maxRecordAgeSeconds: number;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  tumblingWindowSeconds?: number;
}

export interface StreamProcessorProps {
  stream: kinesis.IStream;
  key: kms.IKey;
  function: PfmFunctionProps;
  source: StreamSourceSettings;
}

/**
 * A function on the readings stream: partial batch responses, bisection on error, a finite retry budget
 * and record age, and an encrypted on-failure queue for what is still failing after that.
 */
export class StreamProcessor extends Construct {
  readonly fn: PfmFunction;
  readonly failureQueue: sqs.Queue;
  readonly eventSource: KinesisEventSource;

  constructor(scope: Construct, id: string, props: StreamProcessorProps) {
    super(scope, id);
    this.fn = new PfmFunction(this, 'Handler', props.function);
    this.failureQueue = encryptedQueue(this, 'OnFailure', {
      key: props.key,
      deadLetterFor: `the ${props.function.serviceName} Kinesis event source (batches that exhausted their retries)`,
    });
    const s = props.source;
    this.eventSource = new KinesisEventSource(props.stream, {
      startingPosition:
        s.startingPosition === 'LATEST'
          ? lambda.StartingPosition.LATEST
          : lambda.StartingPosition.TRIM_HORIZON,
      batchSize: s.batchSize,
      maxBatchingWindow: Duration.seconds(s.maxBatchingWindowSeconds),
      parallelizationFactor: s.parallelizationFactor,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      retryAttempts: s.retryAttempts,
      maxRecordAge: Duration.seconds(s.maxRecordAgeSeconds),
      tumblingWindow:
        s.tumblingWindowSeconds === undefined ? undefined : Duration.seconds(s.tumblingWindowSeconds),
      onFailure: new ScopedSqsDlq(this.failureQueue),
    });
    this.fn.function.addEventSource(this.eventSource);
  }
}
