import type { ForecastCycleSummary } from '../../processors/forecast/cycle.js';
import type { MachineForecast } from '../../processors/forecast/types.js';
import { formatDuration } from '../../stream/simulator/duration.js';
import { display } from './dataDir.js';
import { formatNumber } from './format.js';

/** Wall-clock ms between two forecast cycles of a local run (the dashboard's forecast is as fresh). */
export const FORECAST_EVERY_MS = 60_000;

/** How the run's last forecast cycle went. */
export type RunForecast =
  | { summary: ForecastCycleSummary; eventsThisRun: number; eventsPath: string; seconds: number }
  | { error: string };

const HOUR = 3_600_000;
const SHOWN = 5;

/** The end-of-run summary's forecast lines: which machines are due, why, what to do first, and the events. */
export function renderRunForecast(forecast: RunForecast | undefined): string[] {
  if (forecast === undefined) return [];
  if ('error' in forecast) return ['', `Maintenance forecast: failed: ${forecast.error}`];
  const { summary } = forecast;
  const f = summary.forecast;
  if (f === null) return ['', 'Maintenance forecast: the store holds no readings to forecast from'];
  const s = f.settings;
  const byId = new Map(f.machines.map((m) => [m.deviceId, m]));
  const due = summary.due
    .map((id) => byId.get(id))
    .filter((m): m is MachineForecast => m?.status === 'ok')
    .sort((a, b) => (a.dueAt ?? Number.POSITIVE_INFINITY) - (b.dueAt ?? Number.POSITIVE_INFINITY));
  // "in ..." counts from the fleet's latest reading, so the order of the list is the order of the times.
  const asOf = Math.max(...f.machines.map((m) => (m.status === 'ok' ? m.asOf : 0)));
  const shown = due.slice(0, SHOWN).map((m) => {
    const minutes = m.dueAt === null ? 0 : Math.max(0, Math.round((m.dueAt - asOf) / 60_000));
    const when = m.dueAt === null ? 'due' : minutes === 0 ? 'now' : `in ${formatDuration(minutes * 60_000)}`;
    const todo = m.recommendation ? `: ${m.recommendation.description}` : '';
    return `${m.deviceId} ${m.leadingMode ?? ''} ${when}${todo}`.replace(/ {2,}/g, ' ');
  });
  const more = due.length > SHOWN ? `, and ${due.length - SHOWN} more` : '';
  return [
    '',
    `Maintenance forecast (next ${s.horizonMs / HOUR} h of each machine, ${formatNumber(summary.forecastOk)} machines forecast` +
      `${summary.notEnoughData > 0 ? `, ${formatNumber(summary.notEnoughData)} with too little history` : ''}; ${forecast.seconds.toFixed(1)} s):`,
    due.length === 0
      ? `  no machine is due: none reaches p ${s.dueLevel} of a forecastable failure within ${s.noticeMs / HOUR} h`
      : `  due (p >= ${s.dueLevel} within ${s.noticeMs / HOUR} h): ${shown.join('; ')}${more}`,
    `  MaintenanceDue events: ${formatNumber(forecast.eventsThisRun)} this run (${formatNumber(summary.events.length)} from the last forecast), in ${display(forecast.eventsPath)}` +
      ' (npx pfm forecast for the whole table)',
  ];
}
