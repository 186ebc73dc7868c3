import type * as events from 'aws-cdk-lib/aws-events';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { PfmStackConfig } from '../config.js';
import { ENV, LAMBDA_ENTRIES, LAMBDA_MODEL_DIR, SERVICE_NAMES } from '../constants.js';
import type { DriftStateTable } from './DriftStateTable.js';
import { PfmFunction } from './PfmFunction.js';
import type { PredictionStore } from './PredictionStore.js';
import { rateSchedule } from './rateSchedule.js';

export interface ForecasterProps {
  settings: PfmStackConfig['forecast'];
  /** Where the history is read and the forecast rows go. */
  store: PredictionStore;
  /** Where MaintenanceDue events go. */
  bus: events.IEventBus;
  /** Keeps the due memory (which machine and tool was notified) under its own key. */
  state: DriftStateTable;
}

/**
 * The scheduled forecast (processors/forecast/lambda.ts): every `rateMinutes` it reads each machine's recent
 * readings from the store, projects its next hours with the model, writes one forecast row per machine to the
 * store (Grafana's "Maintenance due" panel, the agent's maintenance_plan) and sends a MaintenanceDue event to the
 * bus once per machine and tool. Runs in the store's network when the store has one.
 */
export class Forecaster extends Construct {
  readonly fn: PfmFunction;
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: ForecasterProps) {
    super(scope, id);
    const { settings: s, store } = props;
    this.fn = new PfmFunction(this, 'Handler', {
      entry: LAMBDA_ENTRIES.forecast,
      serviceName: SERVICE_NAMES.forecast,
      description:
        "Forecasts each machine's next hours; forecast rows to the store, MaintenanceDue events to the bus",
      memoryMb: s.memoryMb,
      timeoutSeconds: s.timeoutSeconds,
      reservedConcurrency: s.reservedConcurrency,
      model: true,
      onnxRuntime: true,
      environment: {
        [ENV.sink]: store.kind,
        [ENV.modelDir]: LAMBDA_MODEL_DIR,
        [ENV.eventBusName]: props.bus.eventBusName,
        [ENV.forecastStateTable]: props.state.table.tableName,
        [ENV.forecastHorizonHours]: String(s.horizonHours),
        [ENV.forecastStepMinutes]: String(s.stepMinutes),
        [ENV.forecastNoticeHours]: String(s.noticeHours),
        [ENV.forecastDueLevel]: String(s.dueLevel),
        [ENV.forecastReleaseLevel]: String(s.releaseLevel),
        [ENV.forecastHistoryHours]: String(s.historyHours),
        ...store.environment,
        ...store.forecastEnvironment,
      },
      ...store.placement,
    });
    props.bus.grantPutEventsTo(this.fn.role);
    props.state.grantStateAccess(this.fn);
    store.grantRead(this.fn, ['predictions', 'forecasts']);
    store.grantWrite(this.fn, ['forecasts']);

    // A missed run is not worth replaying: the next one forecasts from newer readings, and the due memory (saved
    // only after the events went out) makes it send what the missed run did not.
    this.schedule = rateSchedule(this, this.fn, {
      description: 'Runs the fleet forecast',
      rateMinutes: s.rateMinutes,
      enabled: s.enabled,
      functionName: 'the forecast function',
    });
  }
}
