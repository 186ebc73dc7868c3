import {
  HDF_MAX_DELTA_K,
  HDF_MAX_SPEED_RPM,
  OSF_THRESHOLD_MIN_NM,
  PWF_MAX_POWER_W,
  PWF_MIN_POWER_W,
  powerW,
  TOOL_LIFE_MIN_MIN,
} from '../../model/physics.js';
import { FAILURE_MODES, type FailureMode } from '../inference/types.js';
import type { MachinePeriodRisk, ReadingValues } from '../store/types.js';

/** The fleet a machine is compared with: mean and standard deviation of each reading over the same period. */
export interface FleetBaseline {
  means: ReadingValues;
  sds: ReadingValues;
}

/** Modes whose recent probability reaches this are explained even when another mode leads. */
const EXPLAIN_FROM = 0.2;
/** A reading is a driver when its recent mean is at least this many fleet standard deviations off. */
const DEVIATION_SD = 1;
const MAX_DEVIATIONS = 3;

const READING_LABELS: Record<keyof ReadingValues, { label: string; unit: string }> = {
  airTemperatureK: { label: 'air temperature', unit: 'K' },
  processTemperatureK: { label: 'process temperature', unit: 'K' },
  rotationalSpeedRpm: { label: 'rotational speed', unit: 'rpm' },
  torqueNm: { label: 'torque', unit: 'Nm' },
  toolWearMin: { label: 'tool wear', unit: 'min' },
};

/** The mode with the highest recent probability, and that probability. */
export function leadingMode(m: MachinePeriodRisk): { mode: FailureMode; probability: number } {
  let mode: FailureMode = FAILURE_MODES[0];
  for (const candidate of FAILURE_MODES) {
    if (m.recentModeRisk[candidate] > m.recentModeRisk[mode]) mode = candidate;
  }
  return { mode, probability: m.recentModeRisk[mode] };
}

const fmt = (x: number, digits = 1) =>
  x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/**
 * Why a mode is likely, in the terms of the AI4I 2020 failure rules the model learned, at the machine's latest
 * reading (named as such: a tool changed since may already have cleared the cause): power outside 3.5-9 kW (PWF), tool wear × torque over the quality type's limit (OSF), a small
 * process-air temperature difference at low speed (HDF), a worn tool (TWF).
 */
export function modeEvidence(mode: FailureMode, m: MachinePeriodRisk): string {
  const r = m.latest;
  switch (mode) {
    case 'PWF': {
      const p = powerW(r.torqueNm, r.rotationalSpeedRpm);
      const where = p > PWF_MAX_POWER_W ? 'above' : p < PWF_MIN_POWER_W ? 'below' : 'inside';
      return `PWF: latest power ${fmt(p / 1000, 2)} kW (torque ${fmt(r.torqueNm)} Nm at ${fmt(r.rotationalSpeedRpm, 0)} rpm) is ${where} the ${PWF_MIN_POWER_W / 1000}-${PWF_MAX_POWER_W / 1000} kW band outside which power failures occur`;
    }
    case 'OSF': {
      const limit = OSF_THRESHOLD_MIN_NM[m.qualityType as keyof typeof OSF_THRESHOLD_MIN_NM];
      const strain = r.toolWearMin * r.torqueNm;
      const share = limit
        ? ` = ${fmt((100 * strain) / limit, 0)}% of the ${limit.toLocaleString('en-US')} minNm overstrain limit for type ${m.qualityType}`
        : '';
      return `OSF: latest tool wear × torque = ${fmt(r.toolWearMin, 0)} min × ${fmt(r.torqueNm)} Nm = ${fmt(strain, 0)} minNm${share}`;
    }
    case 'HDF': {
      const delta = r.processTemperatureK - r.airTemperatureK;
      return `HDF: latest process-air temperature difference ${fmt(delta)} K (failures below ${HDF_MAX_DELTA_K} K) at ${fmt(r.rotationalSpeedRpm, 0)} rpm (failures below ${HDF_MAX_SPEED_RPM} rpm)`;
    }
    case 'TWF':
      return `TWF: latest tool wear ${fmt(r.toolWearMin, 0)} min (tools fail or are replaced from ${TOOL_LIFE_MIN_MIN} min)`;
    case 'RNF':
      return 'RNF: random failures have no reading signature';
  }
}

/** Readings whose recent mean is at least one fleet standard deviation from the fleet mean, largest first. */
export function deviations(m: MachinePeriodRisk, fleet: FleetBaseline | null): string[] {
  if (!fleet) return [];
  const found: { z: number; text: string }[] = [];
  for (const field of Object.keys(READING_LABELS) as (keyof ReadingValues)[]) {
    const sd = fleet.sds[field];
    const value = m.recentMeans[field];
    if (!(sd > 0) || !Number.isFinite(value)) continue;
    const z = (value - fleet.means[field]) / sd;
    if (Math.abs(z) < DEVIATION_SD) continue;
    const { label, unit } = READING_LABELS[field];
    found.push({
      z,
      text: `${label} averages ${fmt(value)} ${unit}, ${fmt(Math.abs(z))} sd ${z > 0 ? 'above' : 'below'} the fleet's ${fmt(fleet.means[field])} ${unit}`,
    });
  }
  return found
    .sort((a, b) => Math.abs(b.z) - Math.abs(a.z))
    .slice(0, MAX_DEVIATIONS)
    .map((d) => d.text);
}

/** The drivers of a machine's risk: evidence for its leading mode (and any other likely mode), then deviations. */
export function explainRisk(m: MachinePeriodRisk, fleet: FleetBaseline | null): string[] {
  const lead = leadingMode(m);
  const modes = FAILURE_MODES.filter(
    (mode) => mode === lead.mode || m.recentModeRisk[mode] >= EXPLAIN_FROM,
  ).sort((a, b) => m.recentModeRisk[b] - m.recentModeRisk[a]);
  return [...modes.map((mode) => modeEvidence(mode, m)), ...deviations(m, fleet)];
}
