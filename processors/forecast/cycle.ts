import type { EventPublisher } from '../events/types.js';
import { type DueMemory, nextDueState } from './dueState.js';
import { buildMaintenanceDueEvent, type MaintenanceDueEvent } from './maintenanceDue.js';
import type { DueStateStore, FleetForecast, ForecastReader, ForecastSink } from './types.js';

export interface ForecastCycleDeps {
  /** Computes the fleet's forecast now (from the store's history). */
  forecaster: ForecastReader;
  /** Where the run's rows go (none locally: the dashboard computes on demand). */
  sink?: ForecastSink;
  memory: DueStateStore;
  publisher: EventPublisher<MaintenanceDueEvent>;
}

/** What one forecast cycle did. */
export interface ForecastCycleSummary {
  /** null when the store held no readings. */
  forecast: FleetForecast | null;
  machines: number;
  forecastOk: number;
  notEnoughData: number;
  /** Machines due now (within the hysteresis), notified or not. */
  due: string[];
  /** The events published by this cycle (one per machine that became due on a tool not notified yet). */
  events: MaintenanceDueEvent[];
}

/**
 * One run of the scheduled forecast: read the due memory, forecast the fleet, write the rows, decide per
 * machine with the due rule (hysteresis; once per machine and tool), publish the MaintenanceDue events, and
 * only then save the memory. A failed publish leaves the memory as it was, so the next run sends the events
 * again; their ids are deterministic (`<device>:tool-<n>`), so a consumer drops a repeat. Machines without
 * enough data, and machines the store no longer returns, keep their memory.
 */
export async function runForecastCycle(deps: ForecastCycleDeps): Promise<ForecastCycleSummary> {
  const stored = await deps.memory.load();
  const forecast = await deps.forecaster.latestForecast();
  if (forecast === null) {
    return { forecast, machines: 0, forecastOk: 0, notEnoughData: 0, due: [], events: [] };
  }
  await deps.sink?.writeForecast(forecast);
  const rule = { level: forecast.settings.dueLevel, releaseLevel: forecast.settings.releaseLevel };
  const memory: Record<string, DueMemory> = { ...stored.machines };
  const events: MaintenanceDueEvent[] = [];
  const due: string[] = [];
  let ok = 0;
  for (const machine of forecast.machines) {
    if (machine.status !== 'ok') continue;
    ok++;
    const next = nextDueState(
      stored.machines[machine.deviceId],
      machine.noticeProbability,
      machine.learned.toolWearMin,
      rule,
    );
    memory[machine.deviceId] = next.memory;
    if (next.memory.due) due.push(machine.deviceId);
    if (next.notify) events.push(buildMaintenanceDueEvent(forecast, machine, next.memory));
  }
  await deps.publisher.publish(events);
  await deps.memory.save(memory, stored.revision);
  return {
    forecast,
    machines: forecast.machines.length,
    forecastOk: ok,
    notEnoughData: forecast.machines.length - ok,
    due,
    events,
  };
}
