import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  DRIFT_EVENT_SOURCE,
  FORECAST_EVENT_SOURCE,
  MAINTENANCE_DUE_DETAIL_TYPE,
  RETRAINING_DETAIL_TYPES,
  type ResourceNames,
} from '../constants.js';
import { encryptedQueue } from './encryptedQueue.js';
import { ScopedRuleTarget } from './ScopedRuleTarget.js';

export interface RetrainingEventsProps {
  names: ResourceNames;
  key: kms.IKey;
  /** Where people hear about drift (email subscription, if any, is on it). */
  topic: sns.ITopic;
}

/**
 * The pipeline's event bus, the rule that routes the drift monitor's retraining events to people (the alerts
 * topic) and to a queue a retraining job consumes, and the rule that tells people of the forecaster's
 * MaintenanceDue events (the alerts topic; a CMMS integration would add its own target).
 */
export class RetrainingEvents extends Construct {
  readonly bus: events.EventBus;
  readonly rule: events.Rule;
  readonly maintenanceRule: events.Rule;
  readonly queue: sqs.Queue;
  readonly queueDlq: sqs.Queue;
  /** Events EventBridge could not deliver to either target after its retries. */
  readonly ruleDlq: sqs.Queue;

  constructor(scope: Construct, id: string, props: RetrainingEventsProps) {
    super(scope, id);
    const { names, key } = props;
    this.bus = new events.EventBus(this, 'Bus', { eventBusName: names.eventBus });
    this.queueDlq = encryptedQueue(this, 'RetrainingDlq', {
      key,
      deadLetterFor: 'the retraining queue (messages a retraining job failed to process 5 times)',
    });
    this.queue = encryptedQueue(this, 'RetrainingQueue', {
      key,
      // A retraining job may hold a message for a while before it deletes it.
      visibilityTimeout: Duration.minutes(15),
      deadLetter: { queue: this.queueDlq, maxReceiveCount: 5 },
    });
    this.ruleDlq = encryptedQueue(this, 'RuleDlq', {
      key,
      deadLetterFor: 'the retraining rule targets (events EventBridge could not deliver)',
    });
    this.rule = new events.Rule(this, 'RetrainingRule', {
      eventBus: this.bus,
      description: 'Drift events that call for retraining: to the alerts topic and the retraining queue',
      eventPattern: { source: [DRIFT_EVENT_SOURCE], detailType: [...RETRAINING_DETAIL_TYPES] },
    });
    const delivery = { deadLetterQueue: this.ruleDlq, retryAttempts: 8, maxEventAge: Duration.hours(24) };
    this.rule.addTarget(ScopedRuleTarget.topic(props.topic, delivery));
    this.rule.addTarget(ScopedRuleTarget.queue(this.queue, delivery));
    this.maintenanceRule = new events.Rule(this, 'MaintenanceDueRule', {
      eventBus: this.bus,
      description: "The forecaster's MaintenanceDue events: to the alerts topic",
      eventPattern: { source: [FORECAST_EVENT_SOURCE], detailType: [MAINTENANCE_DUE_DETAIL_TYPE] },
    });
    this.maintenanceRule.addTarget(ScopedRuleTarget.topic(props.topic, delivery));
  }
}
