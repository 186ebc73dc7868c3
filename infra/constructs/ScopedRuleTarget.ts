import { type Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

/** How EventBridge delivers to the target: its retries, and where an event goes once they are spent. */
export interface ScopedRuleTargetProps {
  deadLetterQueue: sqs.IQueue;
  retryAttempts: number;
  maxEventAge: Duration;
  /** What the target receives instead of the event itself. */
  input?: events.RuleTargetInput;
}

const EVENTS = 'events.amazonaws.com';

/**
 * A rule target (an SNS topic or an SQS queue) whose resource policy admits EventBridge for this one rule
 * only (aws:SourceArn and aws:SourceAccount), as does its dead-letter queue's. aws-events-targets' SnsTopic
 * grants events.amazonaws.com `sns:Publish` with no condition, and its `kms:GenerateDataKey*` on the topic's
 * key likewise; the key's use by EventBridge is granted where the key and the topic are made (pipelineKey,
 * alertsTopic), scoped the way each service documents.
 */
export class ScopedRuleTarget implements events.IRuleTarget {
  /** EventBridge publishes to the topic (`sns:Publish`, the only action a topic target needs). */
  static topic(topic: sns.ITopic, props: ScopedRuleTargetProps): ScopedRuleTarget {
    return new ScopedRuleTarget(topic.topicArn, props, (conditions) =>
      topic.addToResourcePolicy(statement('sns:Publish', topic.topicArn, conditions)),
    );
  }

  /** EventBridge sends to the queue (`sqs:SendMessage`, the only action a queue target needs). */
  static queue(queue: sqs.IQueue, props: ScopedRuleTargetProps): ScopedRuleTarget {
    return new ScopedRuleTarget(queue.queueArn, props, (conditions) =>
      queue.addToResourcePolicy(statement('sqs:SendMessage', queue.queueArn, conditions)),
    );
  }

  private constructor(
    private readonly arn: string,
    private readonly props: ScopedRuleTargetProps,
    private readonly grant: (conditions: Record<string, Record<string, string>>) => void,
  ) {}

  /** Admits this rule (and nothing else) to the target and to its dead-letter queue. */
  bind(rule: events.IRuleRef): events.RuleTargetConfig {
    const conditions = {
      ArnEquals: { 'aws:SourceArn': events.CfnRule.arnForRule(rule) },
      StringEquals: { 'aws:SourceAccount': Stack.of(rule).account },
    };
    this.grant(conditions);
    const dlq = this.props.deadLetterQueue;
    dlq.addToResourcePolicy(statement('sqs:SendMessage', dlq.queueArn, conditions));
    return {
      arn: this.arn,
      ...(this.props.input ? { input: this.props.input } : {}),
      deadLetterConfig: { arn: dlq.queueArn },
      retryPolicy: {
        maximumRetryAttempts: this.props.retryAttempts,
        maximumEventAgeInSeconds: this.props.maxEventAge.toSeconds(),
      },
    };
  }
}

function statement(
  action: string,
  resource: string,
  conditions: Record<string, Record<string, string>>,
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal(EVENTS)],
    actions: [action],
    resources: [resource],
    conditions,
  });
}
