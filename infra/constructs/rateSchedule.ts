import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type { Construct } from 'constructs';
import type { PfmFunction } from './PfmFunction.js';

export interface RateScheduleProps {
  description: string;
  rateMinutes: number;
  enabled: boolean;
  /** What the function is, for the reason its invoke grant's finding is acknowledged ("the simulator function"). */
  functionName: string;
}

/**
 * Runs `fn` every `rateMinutes` through EventBridge Scheduler, with the scheduled time as its input and no retry
 * of a missed run (the next run does the next period's work). The schedule gets a role of its own, trusted by the
 * scheduler for this account only, so the invoke grant's finding is acknowledged on that role alone. Made as
 * `ScheduleRole` and `Schedule` in `scope`.
 */
export function rateSchedule(
  scope: Construct,
  fn: PfmFunction,
  props: RateScheduleProps,
): scheduler.Schedule {
  const stack = Stack.of(scope);
  const role = new iam.Role(scope, 'ScheduleRole', {
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }),
  });
  const schedule = new scheduler.Schedule(scope, 'Schedule', {
    description: props.description,
    schedule: scheduler.ScheduleExpression.rate(Duration.minutes(props.rateMinutes)),
    enabled: props.enabled,
    target: new schedulerTargets.LambdaInvoke(fn.function, {
      role,
      input: scheduler.ScheduleTargetInput.fromObject({
        scheduledTime: scheduler.ContextAttribute.scheduledTime,
      }),
      retryAttempts: 0,
    }),
  });
  const fnLogicalId = stack.resolve(stack.getLogicalId(fn.function.node.defaultChild as lambda.CfnFunction));
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${fnLogicalId}.Arn>:*]`,
    reason: `lambda:InvokeFunction on ${props.functionName} and its versions, as the Scheduler Lambda target grants it.`,
  });
  return schedule;
}
