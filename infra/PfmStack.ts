import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { type PfmStackConfig, type PfmStackSettings, resolveStackConfig } from './config.js';
import { ENV, resourceNames } from './constants.js';
import { alertsTopic } from './constructs/alertsTopic.js';
import { DriftStateTable } from './constructs/DriftStateTable.js';
import { driftMonitor } from './constructs/driftMonitor.js';
import { FleetSimulator } from './constructs/FleetSimulator.js';
import { Forecaster } from './constructs/Forecaster.js';
import { InfluxDbStore } from './constructs/InfluxDbStore.js';
import { inferenceProcessor } from './constructs/inferenceProcessor.js';
import { LiveAnalyticsStore } from './constructs/LiveAnalyticsStore.js';
import { MaintenanceAgent } from './constructs/MaintenanceAgent.js';
import { PipelineAlarms } from './constructs/PipelineAlarms.js';
import type { PredictionStore } from './constructs/PredictionStore.js';
import { pipelineKey } from './constructs/pipelineKey.js';
import { RetrainingEvents } from './constructs/RetrainingEvents.js';
import { readingsStream } from './constructs/readingsStream.js';
import type { StreamProcessor } from './constructs/StreamProcessor.js';

export interface PfmStackProps extends StackProps {
  /** Sizing and feature switches; every field has a default (see infra/config.ts). */
  settings?: PfmStackSettings;
}

/**
 * The whole pipeline: readings stream -> inference (ONNX) -> time-series store, a drift monitor on the
 * same stream publishing retraining events, the scheduled forecast (forecast rows, MaintenanceDue events),
 * alarms, and optionally the simulator schedule and the agent.
 * Each part is built by its own construct or builder (infra/constructs/); this class only composes them.
 * Construct ids make up the resources' logical ids: renaming one replaces the resource in a deployed stack
 * (test/infra/logicalIds.test.ts).
 */
export class PfmStack extends Stack {
  readonly config: PfmStackConfig;
  readonly key: kms.Key;
  readonly stream: kinesis.Stream;
  readonly alertsTopic: sns.Topic;
  readonly store: PredictionStore;
  readonly inference: StreamProcessor;
  readonly events: RetrainingEvents;
  readonly driftState: DriftStateTable;
  readonly drift: StreamProcessor;
  readonly simulator: FleetSimulator;
  readonly forecaster: Forecaster;
  readonly agent: MaintenanceAgent | undefined;
  readonly alarms: PipelineAlarms;

  constructor(scope: Construct, id: string, props: PfmStackProps = {}) {
    super(scope, id, props);
    // Server access logs delivered under a bucket policy, so the log bucket can keep ACLs disabled.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const config = resolveStackConfig(props.settings ?? {});
    this.config = config;
    const names = resourceNames(config.namePrefix);

    this.key = pipelineKey(this, 'PipelineKey', { namePrefix: config.namePrefix });
    const key = this.key;
    this.stream = readingsStream(this, 'Readings', {
      streamName: names.stream,
      settings: config.stream,
      key,
    });
    this.alertsTopic = alertsTopic(this, 'Alerts', {
      topicName: names.alertsTopic,
      key,
      email: config.alerts.email,
    });
    this.store = this.predictionStore(config.sink);
    const { stream, store } = this;

    this.inference = inferenceProcessor(this, 'Inference', {
      stream,
      key,
      settings: config.inference,
      store,
    });
    this.events = new RetrainingEvents(this, 'Events', { names, key, topic: this.alertsTopic });
    this.driftState = new DriftStateTable(this, 'DriftState', { tableName: names.driftStateTable, key });
    this.drift = driftMonitor(this, 'Drift', {
      stream,
      key,
      settings: config.drift,
      fleetSimulator: config.simulator,
      bus: this.events.bus,
      state: this.driftState,
      store,
    });
    this.simulator = new FleetSimulator(this, 'Simulator', { stream, settings: config.simulator });
    this.forecaster = new Forecaster(this, 'Forecast', {
      settings: config.forecast,
      store,
      bus: this.events.bus,
      state: this.driftState,
    });
    this.agent = config.agent.enabled
      ? new MaintenanceAgent(this, 'Agent', { settings: config.agent, store })
      : undefined;
    this.alarms = this.pipelineAlarms(config.alerts);
    this.outputs();
  }

  /** The store the sink settings ask for, under the one construct id both share. */
  private predictionStore(sink: PfmStackConfig['sink']): PredictionStore {
    const common = { key: this.key };
    return sink.kind === 'influxdb'
      ? new InfluxDbStore(this, 'Store', { ...common, settings: sink })
      : new LiveAnalyticsStore(this, 'Store', { ...common, settings: sink, alerts: this.alertsTopic });
  }

  /**
   * The stream's age and throttling, every function's errors, throttles and near-timeouts, the stream functions'
   * iterator age and failure-destination deliveries, and the queues that should stay empty.
   */
  private pipelineAlarms(alerts: PfmStackConfig['alerts']): PipelineAlarms {
    return new PipelineAlarms(this, 'Alarms', {
      topic: this.alertsTopic,
      stream: this.stream,
      streamFunctions: { Inference: this.inference.fn, Drift: this.drift.fn },
      functions: {
        Simulator: this.simulator.fn,
        Forecast: this.forecaster.fn,
        ...(this.agent ? { Agent: this.agent.fn } : {}),
        // A failed rotation leaves the current token in place: an alarm says so before it matters.
        ...(this.store instanceof InfluxDbStore ? { InfluxToken: this.store.tokenFunction } : {}),
      },
      failureQueues: {
        InferenceFailures: this.inference.failureQueue,
        DriftFailures: this.drift.failureQueue,
        RetrainingDlq: this.events.queueDlq,
        RetrainingRuleDlq: this.events.ruleDlq,
      },
      iteratorAgeMs: alerts.iteratorAgeMs,
      quarantinedPerFiveMinutes: alerts.quarantinedPerFiveMinutes,
    });
  }

  /** What an operator needs after `cdk deploy`: where to write readings, where events and alerts go. */
  private outputs(): void {
    new CfnOutput(this, 'StreamName', { value: this.stream.streamName });
    new CfnOutput(this, 'EventBusName', { value: this.events.bus.eventBusName });
    new CfnOutput(this, 'RetrainingQueueUrl', { value: this.events.queue.queueUrl });
    // Batches that exhausted their retries, as the event source mapping's shard and sequence ranges (pfm replay).
    new CfnOutput(this, 'InferenceFailureQueueUrl', { value: this.inference.failureQueue.queueUrl });
    new CfnOutput(this, 'DriftFailureQueueUrl', { value: this.drift.failureQueue.queueUrl });
    new CfnOutput(this, 'AlertsTopicArn', { value: this.alertsTopic.topicArn });
    if (this.agent) {
      new CfnOutput(this, 'AgentId', { value: this.agent.agent.attrAgentId });
      new CfnOutput(this, 'AgentAliasId', { value: this.agent.alias.attrAgentAliasId });
    }
    if (this.store instanceof InfluxDbStore) {
      new CfnOutput(this, 'InfluxDbUrl', { value: this.store.environment[ENV.influxUrl] as string });
      new CfnOutput(this, 'InfluxDbAdminSecretArn', { value: this.store.adminSecret.secretArn });
      new CfnOutput(this, 'InfluxDbTokenSecretArn', { value: this.store.tokenSecret.secretArn });
    }
  }
}
