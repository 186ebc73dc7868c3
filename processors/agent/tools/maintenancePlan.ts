import { probabilityBy } from '../../forecast/riskCurve.js';
import type { FleetForecast, MachineForecast, MachineWithoutForecast } from '../../forecast/types.js';
import { parseToolInput } from '../toolInputs.js';
import type { AgentToolDeps, MaintenancePlanResult, PlannedMachineOut } from '../types.js';
import { iso, p3, round } from './output.js';

const HOUR = 3_600_000;

/**
 * maintenance_plan: the machines whose forecast says maintenance is due within the next `within_hours`
 * (counted from the fleet's latest reading), soonest first, each with the failure mode behind it and the
 * action that puts the failure furthest off; which modes the forecast cannot foresee; machines it has too
 * little history for.
 */
export async function maintenancePlan(deps: AgentToolDeps, raw: unknown): Promise<MaintenancePlanResult> {
  const input = parseToolInput('maintenance_plan', raw);
  if (!deps.forecasts) {
    return unavailable(input.within_hours, deps.forecastsUnavailableReason ?? 'no forecaster is configured');
  }
  const forecast = await deps.forecasts.latestForecast();
  if (forecast === null)
    return unavailable(input.within_hours, 'the store holds no readings to forecast from');
  return plan(forecast, input.within_hours, input.limit);
}

function unavailable(withinHours: number, reason: string): MaintenancePlanResult {
  return {
    tool: 'maintenance_plan',
    available: false,
    reason,
    withinHours,
    machines: [],
    dueLater: 0,
    notDue: 0,
    notEnoughData: [],
    notForecast: [],
  };
}

function plan(forecast: FleetForecast, askedHours: number, limit: number): MaintenancePlanResult {
  const s = forecast.settings;
  const horizonHours = s.horizonMs / HOUR;
  const withinHours = Math.min(askedHours, horizonHours);
  const ok = forecast.machines.filter((m): m is MachineForecast => m.status === 'ok');
  const asOf = Math.max(...ok.map((m) => m.asOf));
  const end = asOf + withinHours * HOUR;
  const due = ok
    .filter((m) => m.dueAt !== null && m.dueAt <= end)
    .sort((a, b) => (a.dueAt ?? 0) - (b.dueAt ?? 0));
  const machines: PlannedMachineOut[] = due.slice(0, limit).map((m, i) => {
    const r = m.recommendation;
    return {
      rank: i + 1,
      machine: m.deviceId,
      type: m.qualityType,
      dueAt: iso(m.dueAt as number),
      dueInMinutes: Math.round(((m.dueAt as number) - asOf) / 60_000),
      leadingMode: m.leadingMode,
      probabilityWithin: p3(probabilityBy(m, end)),
      probabilityByMode: Object.fromEntries(
        Object.entries(m.horizons.at(-1)?.byMode ?? {}).map(([mode, p]) => [mode, p3(p)]),
      ),
      toolWearMin: round(m.learned.toolWearMin, 0),
      lastReading: iso(m.asOf),
      action:
        r === null
          ? null
          : {
              do: r.description,
              probabilityWithinNoticeAfter: p3(r.noticeProbability),
              probabilityWithinHorizonAfter: p3(r.probability),
              dueAtAfter: r.dueAt === null ? null : iso(r.dueAt),
            },
    };
  });
  const result: MaintenancePlanResult = {
    tool: 'maintenance_plan',
    available: true,
    generatedAt: iso(forecast.generatedAt),
    model: `${forecast.model.name} ${forecast.model.version}`,
    asOf: iso(asOf),
    withinHours,
    horizonHours,
    dueLevel: s.dueLevel,
    noticeHours: s.noticeMs / HOUR,
    machines,
    dueLater: ok.filter((m) => m.dueAt !== null && m.dueAt > end).length,
    notDue: ok.filter((m) => m.dueAt === null).length,
    notEnoughData: forecast.machines
      .filter((m): m is MachineWithoutForecast => m.status !== 'ok')
      .slice(0, limit)
      .map((m) => ({ machine: m.deviceId, reason: m.reason })),
    notForecast: forecast.modes.filter((n) => !n.forecastable).map((n) => ({ mode: n.mode, note: n.note })),
  };
  const notes: string[] = [];
  if (askedHours > horizonHours) notes.push(`The forecast looks ${horizonHours} h ahead; planned for that.`);
  if (due.length > limit)
    notes.push(`${due.length - limit} more machine(s) due in the window (raise limit).`);
  if (notes.length > 0) result.note = notes.join(' ');
  return result;
}
