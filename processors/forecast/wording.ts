import type { ActionKind, ForecastSettings, ModeNote } from './types.js';

/** What each action means, in words a planner acts on (the same words whether computed or read back from a store). */
export function actionDescription(
  action: ActionKind,
  settings: Pick<ForecastSettings, 'loadReduction'>,
): string {
  return action === 'replace_tool'
    ? 'replace the tool now'
    : `lower the load: torque -${Math.round(settings.loadReduction * 100)} %, same spindle speed`;
}

/** Why a mode is (or is not) forecast, from the calibration's ahead AUC. */
export function modeNote(
  mode: string,
  forecastable: boolean,
  aheadAuc: number,
  aheadProcesses: number,
): ModeNote {
  const aucText = Number.isFinite(aheadAuc) ? aheadAuc.toFixed(2) : 'n/a';
  return {
    mode,
    forecastable,
    aheadAuc,
    note: forecastable
      ? `driven by state that persists (AUC ${aucText} for a failure in the next ${aheadProcesses} processes): forecast, counts towards "due"`
      : `not forecastable from the stream (AUC ${aucText} for the next ${aheadProcesses} processes): a steady rate per process, reported but not counted towards "due"`,
  };
}
