import { engineerFeatures } from '../../model/features.js';
import type { MachineReading } from '../../schemas/reading.js';
import { normalAt, streamKey, unitAt } from './random.js';
import { drawToolLife } from './toolLife.js';
import type { ActionKind, MachineProfile } from './types.js';

/** The scenarios a machine is projected under: as it goes, and after each action taken now. */
export type Scenario = 'baseline' | ActionKind;

/** The shape of one machine's Monte Carlo: paths x steps x draws, each step `stepMs` long. */
export interface ProjectionShape {
  paths: number;
  steps: number;
  draws: number;
  stepMs: number;
}

// Random streams of the counter-based generator; one per kind of deviate.
const STREAM_JITTER = 1;
const STREAM_DRAW = 2;
const STREAM_AIR = 3;
const STREAM_DELTA = 4;
const STREAM_LIFE = 5;

/**
 * One machine's projection, prepared once and shared by every scenario: the sampled temperature paths at
 * each step boundary and each path's tool lives. Rows then only add a torque/speed draw and a point in time.
 */
export interface MachinePlan {
  profile: MachineProfile;
  seed: number;
  /** [paths, steps + 1] air and process-minus-air temperature at the step boundaries. */
  air: Float64Array;
  delta: Float64Array;
  /** [paths, tools]: the lives (wear at replacement) of the current tool and the ones after it. */
  lives: Float64Array;
  /** [paths]: the life of a tool fitted now (the "replace the tool" action), same deviates. */
  freshLives: Float64Array;
  tools: number;
  wearPerMs: number;
}

const HOUR_MS = 3_600_000;

/**
 * Samples a machine's slow state: per path, a temperature walk (level, drift and spread learned from its
 * readings) and a sequence of tool lives drawn from the replacements seen (`lives`, sorted; none -> the
 * tool is never replaced within the horizon).
 */
export function planMachine(
  profile: MachineProfile,
  lives: readonly number[],
  shape: ProjectionShape,
  seed: number,
): MachinePlan {
  const { paths, steps, stepMs } = shape;
  const air = new Float64Array(paths * (steps + 1));
  const delta = new Float64Array(paths * (steps + 1));
  const stepHours = stepMs / HOUR_MS;
  const airKey = streamKey(seed, STREAM_AIR);
  const deltaKey = streamKey(seed, STREAM_DELTA);
  const lifeKey = streamKey(seed, STREAM_LIFE);
  const airSd = profile.air.sdPerHour * Math.sqrt(stepHours);
  const deltaSd = profile.delta.sdPerHour * Math.sqrt(stepHours);
  for (let g = 0; g < paths; g++) {
    const base = g * (steps + 1);
    air[base] = profile.air.level;
    delta[base] = profile.delta.level;
    for (let s = 0; s < steps; s++) {
      const q = g * steps + s;
      air[base + s + 1] =
        (air[base + s] as number) + profile.air.driftPerHour * stepHours + airSd * normalAt(airKey, q);
      delta[base + s + 1] =
        (delta[base + s] as number) +
        profile.delta.driftPerHour * stepHours +
        deltaSd * normalAt(deltaKey, q);
    }
  }
  const wearPerMs = profile.wearPerHour / HOUR_MS;
  const wearPerReading = wearPerMs * profile.paceMs;
  const shortest = lives.length > 0 ? Math.max(lives[0] as number, wearPerReading, 1) : 1;
  const horizonWear = wearPerMs * steps * stepMs;
  const tools = lives.length === 0 ? 1 : Math.min(256, Math.ceil(horizonWear / shortest) + 2);
  const toolLives = new Float64Array(paths * tools);
  const freshLives = new Float64Array(paths);
  for (let g = 0; g < paths; g++) {
    const u0 = unitAt(lifeKey, g * tools);
    toolLives[g * tools] = drawToolLife(lives, profile.toolWearMin, wearPerReading, u0);
    freshLives[g] = drawToolLife(lives, 0, wearPerReading, u0);
    for (let k = 1; k < tools; k++) {
      toolLives[g * tools + k] = drawToolLife(lives, 0, wearPerReading, unitAt(lifeKey, g * tools + k));
    }
  }
  return { profile, seed, air, delta, lives: toolLives, freshLives, tools, wearPerMs };
}

/**
 * Writes the unscaled features of every projected reading of one machine under one scenario into
 * x[offset ..], rows ordered (path, step, draw): each row is the state at a random instant within its step,
 * a torque/speed pair drawn from the machine's own readings, through the model's own feature code.
 * Returns the number of rows written (paths x steps x draws).
 */
export function writeProjectedRows(
  plan: MachinePlan,
  scenario: Scenario,
  shape: ProjectionShape,
  loadReduction: number,
  x: Float32Array,
  offset: number,
  featureCount: number,
): number {
  const { paths, steps, draws, stepMs } = shape;
  const { profile, seed, tools, wearPerMs } = plan;
  const history = profile.torqueNm.length;
  const loadFactor = scenario === 'reduce_load' ? 1 - loadReduction : 1;
  const fresh = scenario === 'replace_tool';
  const jitterKey = streamKey(seed, STREAM_JITTER);
  const drawKey = streamKey(seed, STREAM_DRAW);
  const reading: MachineReading = {
    qualityType: profile.qualityType,
    airTemperatureK: 0,
    processTemperatureK: 0,
    rotationalSpeedRpm: 0,
    torqueNm: 0,
    toolWearMin: 0,
  };
  // Hoisted: the loops below read typed arrays and locals only.
  const { air: airPath, delta: deltaPath } = plan;
  const speeds = profile.speedRpm;
  const torques = profile.torqueNm;
  let row = 0;
  for (let g = 0; g < paths; g++) {
    const tb = g * (steps + 1);
    const startWear = fresh ? 0 : profile.toolWearMin;
    const firstLife = fresh ? (plan.freshLives[g] as number) : (plan.lives[g * tools] as number);
    for (let s = 0; s < steps; s++) {
      const a0 = airPath[tb + s] as number;
      const a1 = airPath[tb + s + 1] as number;
      const d0 = deltaPath[tb + s] as number;
      const d1 = deltaPath[tb + s + 1] as number;
      let q = (g * steps + s) * draws;
      for (let d = 0; d < draws; d++, q++) {
        const u = unitAt(jitterKey, q);
        const j = Math.floor(unitAt(drawKey, q) * history);
        const air = a0 + u * (a1 - a0);
        const elapsed = (s + u) * stepMs;
        // The current tool, as long as it lasts (most rows); wearAt follows it through replacements.
        const wear = startWear + wearPerMs * elapsed;
        reading.airTemperatureK = air;
        reading.processTemperatureK = air + d0 + u * (d1 - d0);
        reading.rotationalSpeedRpm = speeds[j] as number;
        reading.torqueNm = (torques[j] as number) * loadFactor;
        reading.toolWearMin =
          wearPerMs > 0 && wear >= firstLife
            ? wearAt(elapsed, startWear, firstLife, plan, g, wearPerMs)
            : wear;
        engineerFeatures(reading, x, offset + row * featureCount);
        row++;
      }
    }
  }
  return row;
}

/** Tool wear `elapsed` ms after the last reading on path g: the current tool, then fresh ones at each life. */
function wearAt(
  elapsed: number,
  startWear: number,
  firstLife: number,
  plan: MachinePlan,
  g: number,
  wearPerMs: number,
): number {
  if (wearPerMs <= 0) return startWear;
  let wear = startWear + wearPerMs * elapsed;
  if (wear < firstLife) return wear;
  let remaining = elapsed - (firstLife - startWear) / wearPerMs;
  const base = g * plan.tools;
  for (let k = 1; k < plan.tools; k++) {
    const life = plan.lives[base + k] as number;
    wear = wearPerMs * remaining;
    if (wear < life) return wear;
    remaining -= life / wearPerMs;
  }
  return wearPerMs * Math.max(0, remaining);
}
