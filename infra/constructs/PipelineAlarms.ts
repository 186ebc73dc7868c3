import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, QUARANTINE_METRIC, SERVICE_NAMES } from '../constants.js';
import type { PfmFunction } from './PfmFunction.js';

export interface PipelineAlarmsProps {
  topic: sns.ITopic;
  /** The readings stream: alarmed on its oldest unread record and on throttled reads and writes. */
  stream: kinesis.IStream;
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
/** A function whose longest invocation passes this share of its timeout is about to be cut off. */
const NEAR_TIMEOUT = 0.8;

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

    this.streamAlarms(add, props);
    for (const [name, fn] of Object.entries(props.streamFunctions)) {
      // Lambda could not put a failed batch's record on the on-failure queue: those records are gone.
      add(`${name}FailureDestinationDelivery`, {
        alarmDescription: `${name}: batches given up on could not be sent to the on-failure queue (records lost)`,
        metric: fn.function.metric('DestinationDeliveryFailures', { statistic: 'Sum', period: FIVE_MINUTES }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
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
      add(`${name}Throttles`, {
        alarmDescription: `${name}: invocations throttled (account or reserved concurrency exhausted)`,
        metric: fn.function.metricThrottles({ statistic: 'Sum', period: FIVE_MINUTES }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
      const timeoutMs = (fn.function.timeout ?? Duration.seconds(3)).toMilliseconds();
      add(`${name}DurationNearTimeout`, {
        alarmDescription: `${name}: an invocation ran past ${NEAR_TIMEOUT * 100}% of its ${timeoutMs / 1000} s timeout`,
        metric: fn.function.metricDuration({ statistic: 'Maximum', period: FIVE_MINUTES }),
        threshold: Math.round(timeoutMs * NEAR_TIMEOUT),
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

  /** The stream's own view: its oldest unread record, reads refused for throughput, writes refused likewise. */
  private streamAlarms(
    add: (alarmId: string, alarmProps: cloudwatch.AlarmProps) => void,
    props: PipelineAlarmsProps,
  ): void {
    const { stream } = props;
    add('ReadingsIteratorAge', {
      alarmDescription: `Readings stream: a consumer's oldest unread record is older than ${props.iteratorAgeMs} ms`,
      metric: stream.metricGetRecordsIteratorAgeMilliseconds({ statistic: 'Maximum', period: FIVE_MINUTES }),
      threshold: props.iteratorAgeMs,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });
    // Lambda's pollers retry a throttled GetRecords, so a single one is no news; two periods of them are.
    add('ReadingsReadThrottled', {
      alarmDescription:
        'Readings stream: GetRecords refused for throughput in 2 of the last 3 periods (consumers slowed)',
      metric: stream.metricReadProvisionedThroughputExceeded({ statistic: 'Sum', period: FIVE_MINUTES }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });
    add('ReadingsWriteThrottled', {
      alarmDescription:
        "Readings stream: producers' writes refused for throughput (readings lost unless they retry)",
      metric: stream.metricWriteProvisionedThroughputExceeded({ statistic: 'Sum', period: FIVE_MINUTES }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
  }
}
