import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { type PfmStackConfig, type PfmStackSettings, resolveStackConfig } from './config.js';
import { ENV, LAMBDA_ENTRIES, LAMBDA_TASK_ROOT, resourceNames, SERVICE_NAMES } from './constants.js';
import { DriftStateTable } from './constructs/DriftStateTable.js';
import { FleetSimulator } from './constructs/FleetSimulator.js';
import { InfluxDbStore } from './constructs/InfluxDbStore.js';
import { LiveAnalyticsStore } from './constructs/LiveAnalyticsStore.js';
import { MaintenanceAgent } from './constructs/MaintenanceAgent.js';
import { PipelineAlarms } from './constructs/PipelineAlarms.js';
import type { PredictionStore } from './constructs/PredictionStore.js';
import { RetrainingEvents } from './constructs/RetrainingEvents.js';
import { StreamProcessor } from './constructs/StreamProcessor.js';

export interface PfmStackProps extends StackProps {
  /** Sizing and feature switches; every field has a default (see infra/config.ts). */
  settings?: PfmStackSettings;
}

/** Where the functions find the packaged model artifacts. */
const MODEL_DIR = `${LAMBDA_TASK_ROOT}/model/artifacts`;

/**
 * The whole pipeline: readings stream -> inference (ONNX) -> time-series store, a drift monitor on the
 * same stream publishing retraining events, alarms, and optionally the simulator schedule and the agent.
 */
export class PfmStack extends Stack {
  readonly config: PfmStackConfig;
  readonly key: kms.Key;
  readonly stream: kinesis.Stream;
  readonly store: PredictionStore;
  readonly inference: StreamProcessor;
  readonly drift: StreamProcessor;
  readonly driftState: DriftStateTable;
  readonly events: RetrainingEvents;
  readonly alertsTopic: sns.Topic;
  readonly simulator: FleetSimulator;
  readonly agent: MaintenanceAgent | undefined;
  readonly alarms: PipelineAlarms;

  constructor(scope: Construct, id: string, props: PfmStackProps = {}) {
    super(scope, id, props);
    // Server access logs delivered under a bucket policy, so the log bucket can keep ACLs disabled.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const config = resolveStackConfig(props.settings ?? {});
    this.config = config;
    const names = resourceNames(config.namePrefix);

    this.key = new kms.Key(this, 'PipelineKey', {
      alias: `alias/${config.namePrefix}-pipeline`,
      description: 'pfm pipeline: stream, queues, topic, secrets and the time-series store',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Services that write into encrypted resources on the pipeline's behalf: alarms publishing to the
    // topic (CloudWatch), rule targets delivering to the topic and queues (EventBridge).
    for (const service of ['cloudwatch.amazonaws.com', 'events.amazonaws.com']) {
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
        }),
      );
    }

    this.stream = new kinesis.Stream(this, 'Readings', {
      streamName: names.stream,
      streamMode:
        config.stream.capacity === 'on-demand'
          ? kinesis.StreamMode.ON_DEMAND
          : kinesis.StreamMode.PROVISIONED,
      shardCount: config.stream.shardCount,
      retentionPeriod: Duration.hours(config.stream.retentionHours),
      encryption: kinesis.StreamEncryption.KMS,
      encryptionKey: this.key,
    });
    Validations.of(this.stream).acknowledge({
      id: 'AwsSolutions-KDS3',
      reason:
        'A customer-managed key is a requirement of this stack: its key policy, rotation and CloudTrail record cover the stream like the queues, topic and store.',
    });

    this.alertsTopic = new sns.Topic(this, 'Alerts', {
      topicName: names.alertsTopic,
      displayName: 'pfm alerts',
      masterKey: this.key,
      enforceSSL: true,
    });
    // The topic has its own policy (SSL only, EventBridge), so the alarms' publisher must be named in it too.
    this.alertsTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alertsTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    if (config.alerts.email !== undefined) {
      this.alertsTopic.addSubscription(new subscriptions.EmailSubscription(config.alerts.email));
    }

    // One construct id for either store: it is the prefix of the store's resources' logical ids.
    this.store =
      config.sink.kind === 'influxdb'
        ? new InfluxDbStore(this, 'Store', { settings: config.sink, names, key: this.key })
        : new LiveAnalyticsStore(this, 'Store', { settings: config.sink, names, key: this.key });

    this.inference = new StreamProcessor(this, 'Inference', {
      stream: this.stream,
      key: this.key,
      failureQueueName: names.inferenceFailures,
      function: {
        entry: LAMBDA_ENTRIES.inference,
        serviceName: SERVICE_NAMES.inference,
        description: 'Scores batches of readings with the packaged ONNX model and writes predictions',
        memoryMb: config.inference.memoryMb,
        timeoutSeconds: config.inference.timeoutSeconds,
        model: true,
        onnxRuntime: true,
        environment: {
          ...this.store.environment,
          [ENV.modelDir]: MODEL_DIR,
          [ENV.modelSequence]: String(config.inference.modelSequence),
        },
        ...this.store.placement,
      },
      source: config.inference,
    });
    this.store.grantWrite(this.inference.fn, ['predictions', 'quarantine']);

    this.events = new RetrainingEvents(this, 'Events', { names, key: this.key, topic: this.alertsTopic });
    this.driftState = new DriftStateTable(this, 'DriftState', {
      tableName: names.driftStateTable,
      key: this.key,
    });
    this.drift = new StreamProcessor(this, 'Drift', {
      stream: this.stream,
      key: this.key,
      failureQueueName: names.driftFailures,
      function: {
        entry: LAMBDA_ENTRIES.drift,
        serviceName: SERVICE_NAMES.drift,
        description:
          'Tumbling-window drift statistics against the training reference; publishes drift events',
        memoryMb: config.drift.memoryMb,
        timeoutSeconds: config.drift.timeoutSeconds,
        model: true,
        // Drift scores go to Timestream's drift table and CloudWatch metrics (EMF); with InfluxDB, to the metrics
        // only (the function stays outside the store's VPC). All shards share one state table.
        environment: {
          [ENV.sink]: config.sink.kind,
          [ENV.modelDir]: MODEL_DIR,
          [ENV.eventBusName]: this.events.bus.eventBusName,
          [ENV.driftStateTable]: this.driftState.table.tableName,
          // Longer than the function can run: only a crashed holder's lock is ever taken over.
          [ENV.driftLockLeaseSeconds]: String(config.drift.timeoutSeconds + 60),
          ...this.store.driftEnvironment,
        },
      },
      source: config.drift,
    });
    this.events.bus.grantPutEventsTo(this.drift.fn.role);
    this.driftState.grantStateAccess(this.drift.fn);
    if (this.store.driftEnvironment) this.store.grantWrite(this.drift.fn, ['drift']);

    this.simulator = new FleetSimulator(this, 'Simulator', {
      stream: this.stream,
      settings: config.simulator,
    });

    this.agent = config.agent.enabled
      ? new MaintenanceAgent(this, 'Agent', { settings: config.agent, store: this.store })
      : undefined;

    const otherFunctions = { Simulator: this.simulator.fn, ...(this.agent ? { Agent: this.agent.fn } : {}) };
    this.alarms = new PipelineAlarms(this, 'Alarms', {
      topic: this.alertsTopic,
      streamFunctions: { Inference: this.inference.fn, Drift: this.drift.fn },
      functions: otherFunctions,
      failureQueues: {
        InferenceFailures: this.inference.failureQueue,
        DriftFailures: this.drift.failureQueue,
        RetrainingDlq: this.events.queueDlq,
        RetrainingRuleDlq: this.events.ruleDlq,
      },
      iteratorAgeMs: config.alerts.iteratorAgeMs,
      quarantinedPerFiveMinutes: config.alerts.quarantinedPerFiveMinutes,
    });

    new CfnOutput(this, 'StreamName', { value: this.stream.streamName });
    new CfnOutput(this, 'EventBusName', { value: this.events.bus.eventBusName });
    new CfnOutput(this, 'RetrainingQueueUrl', { value: this.events.queue.queueUrl });
    new CfnOutput(this, 'AlertsTopicArn', { value: this.alertsTopic.topicArn });
    if (this.agent) new CfnOutput(this, 'AgentId', { value: this.agent.agent.attrAgentId });
  }
}
