import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, QUARANTINE_METRIC, SERVICE_NAMES } from '../constants.js';
import type { PfmFunction } from './PfmFunction.js';

export interface PipelineAlarmsProps {
  topic: sns.ITopic;
  /** Functions on the stream: alarmed on iterator age as well as errors. */
  streamFunctions: Record<string, PfmFunction>;
  /** Other functions: alarmed on errors. */
  functions: Record<string, PfmFunction>;
  /** Queues that should stay empty (on-failure destinations, DLQs). */
  failureQueues: Record<string, sqs.IQueue>;
  iteratorAgeMs: number;
  quarantinedPerFiveMinutes: number;
}

const FIVE_MINUTES = Duration.minutes(5);

/** The pipeline's alarms, all notifying the alerts topic (on alarm and on recovery). */
export class PipelineAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const action = new actions.SnsAction(props.topic);
    const add = (alarmId: string, alarmProps: cloudwatch.AlarmProps): void => {
      const alarm = new cloudwatch.Alarm(this, alarmId, {
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...alarmProps,
      });
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      this.alarms.push(alarm);
    };

    for (const [name, fn] of Object.entries(props.streamFunctions)) {
      add(`${name}IteratorAge`, {
        alarmDescription: `${name}: the oldest unread record is older than ${props.iteratorAgeMs} ms (falling behind the stream)`,
        metric: fn.function.metric('IteratorAge', { statistic: 'Maximum', period: FIVE_MINUTES }),
        threshold: props.iteratorAgeMs,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
      });
    }
    for (const [name, fn] of Object.entries({ ...props.streamFunctions, ...props.functions })) {
      add(`${name}Errors`, {
        alarmDescription: `${name}: invocations failed`,
        metric: fn.function.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
    }
    for (const [name, queue] of Object.entries(props.failureQueues)) {
      add(`${name}Depth`, {
        alarmDescription: `${name}: messages waiting (records or events that could not be processed)`,
        metric: queue.metricApproximateNumberOfMessagesVisible({
          statistic: 'Maximum',
          period: FIVE_MINUTES,
        }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
    }
    add('Quarantined', {
      alarmDescription: `More than ${props.quarantinedPerFiveMinutes} records quarantined in 5 minutes (poison records on the stream)`,
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: QUARANTINE_METRIC,
        dimensionsMap: { service: SERVICE_NAMES.inference },
        statistic: 'Sum',
        period: FIVE_MINUTES,
      }),
      threshold: props.quarantinedPerFiveMinutes,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
  }
}
