import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { PfmStackConfig } from '../config.js';
import { ENV, LAMBDA_ENTRIES, SERVICE_NAMES } from '../constants.js';
import { PfmFunction } from './PfmFunction.js';
import { rateSchedule } from './rateSchedule.js';

export interface FleetSimulatorProps {
  stream: kinesis.IStream;
  settings: PfmStackConfig['simulator'];
}

/**
 * The fleet simulator as a scheduled function: every `rateMinutes` it writes `readingsPerRun` simulated
 * readings to the stream. The schedule exists in every deployment but stays disabled unless enabled.
 */
export class FleetSimulator extends Construct {
  readonly fn: PfmFunction;
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: FleetSimulatorProps) {
    super(scope, id);
    const s = props.settings;
    this.fn = new PfmFunction(this, 'Handler', {
      entry: LAMBDA_ENTRIES.simulator,
      serviceName: SERVICE_NAMES.simulator,
      description: 'Writes simulated machine readings to the readings stream (scheduled)',
      memoryMb: 512,
      timeoutSeconds: 60,
      reservedConcurrency: s.reservedConcurrency,
      environment: {
        [ENV.streamName]: props.stream.streamName,
        [ENV.simRecords]: String(s.readingsPerRun),
        [ENV.simMachines]: String(s.machines),
        [ENV.simIntervalMs]: String(s.intervalMs),
        [ENV.simSeed]: String(s.seed),
        [ENV.simDrift]: s.drift.join(';'),
      },
    });
    // What KinesisWriter calls, and the data key an encrypted stream needs (grantWrite adds kms wildcards).
    this.fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kinesis:PutRecords', 'kinesis:PutRecord'],
        resources: [props.stream.streamArn],
      }),
    );
    if (props.stream.encryptionKey) {
      this.fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['kms:GenerateDataKey'],
          resources: [props.stream.encryptionKey.keyArn],
        }),
      );
    }

    // A missed run is not worth replaying: the next one simulates the next period anyway.
    this.schedule = rateSchedule(this, this.fn, {
      description: 'Runs the fleet simulator',
      rateMinutes: s.rateMinutes,
      enabled: s.enabled,
      functionName: 'the simulator function',
    });
  }
}
