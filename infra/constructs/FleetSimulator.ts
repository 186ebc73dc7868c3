import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import type { PfmStackConfig } from '../config.js';
import { ENV, LAMBDA_ENTRIES, SERVICE_NAMES } from '../constants.js';
import { PfmFunction } from './PfmFunction.js';

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

    // Our own role (rather than the target's shared one) so the finding below is acknowledged on it alone.
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: 'Runs the fleet simulator',
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(s.rateMinutes)),
      enabled: s.enabled,
      target: new schedulerTargets.LambdaInvoke(this.fn.function, {
        role,
        input: scheduler.ScheduleTargetInput.fromObject({
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
        }),
        // A missed run is not worth replaying: the next one simulates the next period anyway.
        retryAttempts: 0,
      }),
    });
    const fnLogicalId = stack.resolve(
      stack.getLogicalId(this.fn.function.node.defaultChild as lambda.CfnFunction),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${fnLogicalId}.Arn>:*]`,
      reason:
        'lambda:InvokeFunction on the simulator function and its versions, as the Scheduler Lambda target grants it.',
    });
  }
}
