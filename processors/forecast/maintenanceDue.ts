import type { BusEvent } from '../events/types.js';
import {
  FORECAST_EVENT_SOURCE,
  MAINTENANCE_DUE_DETAIL_TYPE,
  MAINTENANCE_DUE_SCHEMA_VERSION,
} from './constants.js';
import type { DueMemory } from './dueState.js';
import type { FleetForecast, MachineForecast } from './types.js';

/** What a MaintenanceDue event says: the machine, when it is due, why, and what to do first. */
export interface MaintenanceDueDetail {
  schemaVersion: typeof MAINTENANCE_DUE_SCHEMA_VERSION;
  /** `<device>:tool-<n>`: one event per machine and tool, so a consumer drops a repeat by its id. */
  eventId: string;
  deviceId: string;
  qualityType: string;
  /** The machine's last reading: the forecast's time zero (ISO-8601). */
  asOf: string;
  /** When the cumulative probability of a forecastable failure reaches the due level; null beyond the horizon. */
  dueAt: string | null;
  /** Probability of a forecastable failure within the notice window (what made the machine due). */
  noticeProbability: number;
  noticeHours: number;
  dueLevel: number;
  leadingMode: string | null;
  /** Mean time to the first forecastable failure within the horizon (a lower bound when one may come later). */
  expectedTimeToFailureMinutes: number;
  toolWearMin: number;
  /** Counts the tools the forecaster has seen on this machine. */
  tool: number;
  recommendation: {
    action: string;
    description: string;
    noticeProbabilityAfter: number;
    probabilityAfter: number;
    dueAtAfter: string | null;
  } | null;
  model: { name: string; version: string };
}

export interface MaintenanceDueEvent extends BusEvent {
  source: typeof FORECAST_EVENT_SOURCE;
  detailType: typeof MAINTENANCE_DUE_DETAIL_TYPE;
  detail: MaintenanceDueDetail;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const round = (x: number, digits: number): number => Number(x.toFixed(digits));

/** The event for a machine that became due; its time is the forecast run's. */
export function buildMaintenanceDueEvent(
  forecast: FleetForecast,
  machine: MachineForecast,
  memory: DueMemory,
): MaintenanceDueEvent {
  const r = machine.recommendation;
  return {
    source: FORECAST_EVENT_SOURCE,
    detailType: MAINTENANCE_DUE_DETAIL_TYPE,
    time: new Date(forecast.generatedAt).toISOString(),
    detail: {
      schemaVersion: MAINTENANCE_DUE_SCHEMA_VERSION,
      eventId: `${machine.deviceId}:tool-${memory.tool}`,
      deviceId: machine.deviceId,
      qualityType: machine.qualityType,
      asOf: new Date(machine.asOf).toISOString(),
      dueAt: iso(machine.dueAt),
      noticeProbability: round(machine.noticeProbability, 4),
      noticeHours: forecast.settings.noticeMs / 3_600_000,
      dueLevel: forecast.settings.dueLevel,
      leadingMode: machine.leadingMode,
      expectedTimeToFailureMinutes: Math.round(machine.expectedTimeToFailureMs / 60_000),
      toolWearMin: round(machine.learned.toolWearMin, 1),
      tool: memory.tool,
      recommendation:
        r === null
          ? null
          : {
              action: r.action,
              description: r.description,
              noticeProbabilityAfter: round(r.noticeProbability, 4),
              probabilityAfter: round(r.probability, 4),
              dueAtAfter: iso(r.dueAt),
            },
      model: { ...forecast.model },
    },
  };
}
