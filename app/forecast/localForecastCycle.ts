import { LocalEventLog } from '../../processors/events/LocalEventLog.js';
import { type ForecastCycleSummary, runForecastCycle } from '../../processors/forecast/cycle.js';
import { FileDueStateStore } from '../../processors/forecast/FileDueStateStore.js';
import type { Forecaster } from '../../processors/forecast/forecaster.js';
import type { MaintenanceDueEvent } from '../../processors/forecast/maintenanceDue.js';

export interface LocalForecastCycleOptions {
  forecaster: Forecaster;
  /** The run's MaintenanceDue event log (JSON lines) and due memory (JSON). */
  eventsPath: string;
  duePath: string;
  /** Wall-clock ms between two cycles while the run goes on (the scheduled function's rate in AWS). */
  everyMs: number;
  /** A failed periodic cycle is reported here and retried at the next tick. */
  onError: (error: unknown) => void;
}

export interface LocalForecastCycle {
  /** Runs one last cycle on a fresh forecast (after the run's readings are stored) and stops the timer. */
  final(): Promise<ForecastCycleSummary>;
  /** MaintenanceDue events logged by every cycle of this run so far (the timer's and the last one). */
  eventsSent(): number;
  stop(): void;
}

/**
 * The scheduled forecast of a local run: the same cycle as the AWS function, every `everyMs` while the run goes
 * on and once at its end, with the run folder's event log standing in for EventBridge and a JSON file for the
 * due memory. Cycles never overlap.
 */
export function startLocalForecastCycle(options: LocalForecastCycleOptions): LocalForecastCycle {
  const deps = {
    forecaster: { latestForecast: () => options.forecaster.freshForecast() },
    memory: new FileDueStateStore(options.duePath),
    publisher: LocalEventLog.open<MaintenanceDueEvent>(options.eventsPath),
  };
  let chain: Promise<unknown> = Promise.resolve();
  let sent = 0;
  const next = () => {
    const run = chain.then(async () => {
      const summary = await runForecastCycle(deps);
      sent += summary.events.length;
      return summary;
    });
    chain = run.catch(() => undefined);
    return run;
  };
  const timer = setInterval(() => {
    next().catch(options.onError);
  }, options.everyMs);
  timer.unref();
  return {
    final() {
      clearInterval(timer);
      return next();
    },
    stop() {
      clearInterval(timer);
    },
    eventsSent: () => sent,
  };
}
