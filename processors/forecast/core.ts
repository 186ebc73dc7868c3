import { PfmError } from '../../kernel/errors.js';
import { ANY_FAILURE_CLASS } from '../../model/decision.js';
import { scaleInPlace } from '../../model/scaler.js';
import type { ModelArtifacts, Scorer } from '../../model/types.js';
import { calibrate } from './calibration.js';
import { computeOutlook, crossingTime, restrictedMeanTime } from './outlook.js';
import { isProfile, learnProfile } from './profile.js';
import { type MachinePlan, planMachine, type Scenario, writeProjectedRows } from './projection.js';
import type {
  ActionOutcome,
  FleetForecast,
  ForecastCalibration,
  ForecastSettings,
  HorizonOutlook,
  MachineForecast,
  MachineHistory,
  MachineProfile,
  MachineWithoutForecast,
  ModeNote,
  NotEnoughData,
} from './types.js';
import { actionDescription, modeNote } from './wording.js';

export interface ForecastCoreDeps {
  scorer: Scorer;
  model: Pick<ModelArtifacts, 'modelName' | 'modelVersion' | 'modelSha256' | 'classes' | 'scaler'>;
  calibration: ForecastCalibration;
  settings: ForecastSettings;
  /** Injected clock (epoch ms): stamps the forecast. */
  now: () => number;
}

export interface ForecastCore {
  /** Forecasts every machine from its own history; the projected readings of all of them are scored together. */
  forecast(histories: readonly MachineHistory[]): Promise<FleetForecast>;
}

/**
 * An action is recommended when it puts the first failure at least this share of the horizon further off
 * (expected time within the horizon), or lowers the horizon probability by at least MIN_PROBABILITY_GAIN.
 */
const MIN_TIME_GAIN_SHARE = 0.05;
const MIN_PROBABILITY_GAIN = 0.05;

/**
 * Builds the forecaster once: checks the calibration belongs to the model and covers its classes, and the
 * settings are coherent. The core is pure apart from the scorer it is given: no I/O, no environment, the
 * clock injected.
 */
export function createForecastCore(deps: ForecastCoreDeps): ForecastCore {
  const { model, calibration, settings } = deps;
  validateSettings(settings);
  if (calibration.modelSha256 !== model.modelSha256) {
    throw new PfmError(
      'MODEL_MISMATCH',
      `the forecast calibration was fitted for model ${calibration.modelSha256.slice(0, 12)} but the model is ` +
        `${model.modelSha256.slice(0, 12)}; run "pfm forecast calibrate" to fit it for this model`,
    );
  }
  const modes = model.classes.filter((c) => c !== ANY_FAILURE_CLASS);
  const missing = model.classes.filter((c) => !(c in calibration.classes));
  const unjudged = modes.filter((m) => !(m in calibration.modes));
  if (missing.length > 0 || unjudged.length > 0 || modes.length === 0) {
    throw new PfmError(
      'MODEL_MISMATCH',
      `the forecast calibration lacks classes [${missing.join(', ')}] / modes [${unjudged.join(', ')}] of ` +
        `the model's [${model.classes.join(', ')}]; run "pfm forecast calibrate"`,
    );
  }
  const classCount = model.classes.length;
  const modeIndex = Int32Array.from(modes, (m) => model.classes.indexOf(m));
  const divisors = Float64Array.from(modes, (m) => calibration.classes[m]?.oddsDivisor as number);
  const forecastable = modes.map((m) => calibration.modes[m]?.forecastable === true);
  const modeNotes: ModeNote[] = modes.map((mode, m) =>
    modeNote(
      mode,
      forecastable[m] as boolean,
      calibration.modes[mode]?.aheadAuc ?? Number.NaN,
      calibration.aheadProcesses,
    ),
  );
  const featureCount = model.scaler.mean.length;
  if (deps.scorer.featureCount !== featureCount || deps.scorer.classCount !== classCount) {
    throw new PfmError(
      'MODEL_MISMATCH',
      `the scorer takes ${deps.scorer.featureCount} features to ${deps.scorer.classCount} classes; the artifacts say ${featureCount} to ${classCount}`,
    );
  }

  const steps = settings.horizonMs / settings.stepMs;
  const noticeStep = settings.noticeMs / settings.stepMs - 1;
  const shape = { paths: settings.paths, steps, draws: settings.drawsPerPath, stepMs: settings.stepMs };
  const scenarios: Scenario[] = settings.actions ? ['baseline', 'replace_tool', 'reduce_load'] : ['baseline'];
  const blockRows = shape.paths * steps * shape.draws;
  const cellsPerBlock = shape.paths * steps;
  const modeCount = modes.length;

  return {
    async forecast(histories) {
      const generatedAt = deps.now();
      const learned = histories.map((h) => learnProfile(h, settings.minReadings));
      const profiles = learned.filter(isProfile);
      const without: MachineWithoutForecast[] = learned
        .filter((p): p is NotEnoughData => !isProfile(p))
        .map((p) => ({ ...p, status: 'not_enough_data' as const }));

      const fleetLives = profiles.flatMap((p) => p.replacementWears).sort((a, b) => a - b);
      const lifeSources = profiles.map((p): 'machine' | 'fleet' | 'none' =>
        p.replacementWears.length >= settings.minOwnReplacements
          ? 'machine'
          : fleetLives.length >= settings.minOwnReplacements
            ? 'fleet'
            : 'none',
      );
      const plans: MachinePlan[] = profiles.map((p, i) => {
        const source = lifeSources[i];
        const lives =
          source === 'machine'
            ? [...p.replacementWears].sort((a, b) => a - b)
            : source === 'fleet'
              ? fleetLives
              : [];
        return planMachine(p, lives, shape, machineSeed(settings.seed, p.deviceId));
      });

      // Every (scenario, machine) block is scored, chunk by chunk of whole blocks, and folded into hazards.
      const blocks = scenarios.length * plans.length;
      const hazard = new Float64Array(blocks * cellsPerBlock * modeCount);
      const blocksPerChunk = Math.max(1, Math.floor(settings.chunkRows / blockRows));
      const x = new Float32Array(Math.min(blocks, blocksPerChunk) * blockRows * featureCount);
      let rowsScored = 0;
      let scorerRuns = 0;
      for (let first = 0; first < blocks; first += blocksPerChunk) {
        const last = Math.min(blocks, first + blocksPerChunk);
        let rows = 0;
        for (let b = first; b < last; b++) {
          const scenario = scenarios[Math.floor(b / plans.length)] as Scenario;
          const plan = plans[b % plans.length] as MachinePlan;
          const start = rows * featureCount;
          const written = writeProjectedRows(
            plan,
            scenario,
            shape,
            settings.loadReduction,
            x,
            start,
            featureCount,
          );
          // Scaled block by block, while the block is still in the cache.
          scaleInPlace(x.subarray(start, start + written * featureCount), written, model.scaler);
          rows += written;
        }
        const probs = await deps.scorer.score(x.subarray(0, rows * featureCount), rows);
        scorerRuns++;
        rowsScored += rows;
        // Each cell (path, step) is the mean over its `draws` consecutive rows of each mode's calibrated
        // probability; cells are written once, so the sums stay in registers, mode by mode.
        const draws = shape.draws;
        const invDraws = 1 / draws;
        const rowStride = draws * classCount;
        let cell = first * cellsPerBlock * modeCount;
        for (let r0 = 0; r0 < rows * classCount; r0 += rowStride, cell += modeCount) {
          for (let m = 0; m < modeCount; m++) {
            const divisor = divisors[m] as number;
            let sum = 0;
            for (let i = r0 + (modeIndex[m] as number), end = r0 + rowStride; i < end; i += classCount) {
              sum += calibrate(probs[i] as number, divisor);
            }
            hazard[cell + m] = sum * invDraws;
          }
        }
      }

      const forecasts = plans.map((plan, i) =>
        summarise(plan, i, lifeSources[i] as 'machine' | 'fleet' | 'none'),
      );
      forecasts.sort(
        (a, b) =>
          (a.dueAt ?? Number.POSITIVE_INFINITY) - (b.dueAt ?? Number.POSITIVE_INFINITY) ||
          (b.horizons.at(-1)?.forecastable ?? 0) - (a.horizons.at(-1)?.forecastable ?? 0) ||
          a.deviceId.localeCompare(b.deviceId),
      );
      without.sort((a, b) => a.deviceId.localeCompare(b.deviceId));
      return {
        generatedAt,
        model: { name: model.modelName, version: model.modelVersion },
        settings,
        modes: modeNotes,
        machines: [...forecasts, ...without],
        rowsScored,
        scorerRuns,
      };

      function outlookOf(scenarioIndex: number, machine: number, profile: MachineProfile) {
        const block = scenarioIndex * plans.length + machine;
        const start = block * cellsPerBlock * modeCount;
        return computeOutlook({
          hazard: hazard.subarray(start, start + cellsPerBlock * modeCount),
          paths: shape.paths,
          steps,
          modes: modeCount,
          processesPerStep: settings.stepMs / profile.paceMs,
          forecastable,
        });
      }

      function summarise(
        plan: MachinePlan,
        i: number,
        toolLifeFrom: 'machine' | 'fleet' | 'none',
      ): MachineForecast {
        const p = plan.profile;
        const base = outlookOf(0, i, p);
        const dueIn = crossingTime(base.forecastable, settings.stepMs, settings.dueLevel);
        const atStep = (dueIn === null ? steps : Math.min(steps, Math.ceil(dueIn / settings.stepMs))) - 1;
        let leadingMode: string | null = null;
        let leadingP = 0;
        modes.forEach((mode, m) => {
          const value = base.byMode[Math.max(0, atStep) * modeCount + m] as number;
          if (forecastable[m] && value > leadingP) {
            leadingP = value;
            leadingMode = mode;
          }
        });
        const horizons: HorizonOutlook[] = settings.reportHorizonsMs.map((horizonMs) => {
          const s = horizonMs / settings.stepMs - 1;
          return {
            horizonMs,
            forecastable: base.forecastable[s] as number,
            any: base.any[s] as number,
            byMode: Object.fromEntries(
              modes.map((mode, m) => [mode, base.byMode[s * modeCount + m] as number]),
            ),
          };
        });
        const baseline = base.forecastable[steps - 1] as number;
        const expected = restrictedMeanTime(base.forecastable, settings.stepMs);
        const actions: ActionOutcome[] = scenarios.slice(1).map((scenario, k) => {
          const after = outlookOf(k + 1, i, p);
          const due = crossingTime(after.forecastable, settings.stepMs, settings.dueLevel);
          const action = scenario as Exclude<Scenario, 'baseline'>;
          return {
            action,
            description: actionDescription(action, settings),
            noticeProbability: after.forecastable[noticeStep] as number,
            probability: after.forecastable[steps - 1] as number,
            dueAt: due === null ? null : p.asOf + due,
            expectedTimeToFailureMs: restrictedMeanTime(after.forecastable, settings.stepMs),
          };
        });
        const best = [...actions].sort(
          (a, b) => b.expectedTimeToFailureMs - a.expectedTimeToFailureMs || a.probability - b.probability,
        )[0];
        const helps =
          best !== undefined &&
          (best.expectedTimeToFailureMs - expected >=
            Math.max(settings.stepMs, MIN_TIME_GAIN_SHARE * settings.horizonMs) ||
            baseline - best.probability >= MIN_PROBABILITY_GAIN);
        return {
          deviceId: p.deviceId,
          status: 'ok',
          qualityType: p.qualityType,
          asOf: p.asOf,
          dueAt: dueIn === null ? null : p.asOf + dueIn,
          noticeProbability: base.forecastable[noticeStep] as number,
          leadingMode,
          horizons,
          curve: Array.from(base.forecastable, (probability, s) => ({
            time: p.asOf + (s + 1) * settings.stepMs,
            probability,
          })),
          expectedTimeToFailureMs: expected,
          beyondHorizon: 1 - baseline,
          recommendation: helps ? best : null,
          actions,
          learned: {
            readings: p.readings,
            paceMs: p.paceMs,
            wearPerHour: p.wearPerHour,
            toolWearMin: p.toolWearMin,
            toolReplacementsSeen: p.replacementWears.length,
            toolLifeFrom,
            air: p.air,
            delta: p.delta,
          },
        };
      }
    },
  };
}

/** Throws CONFIG_INVALID naming the first setting that makes no sense. */
export function validateSettings(s: ForecastSettings): void {
  const fail = (why: string): never => {
    throw new PfmError('CONFIG_INVALID', `forecast settings: ${why}`);
  };
  const whole = (v: number, name: string, min: number): void => {
    if (!Number.isSafeInteger(v) || v < min) fail(`${name} must be an integer >= ${min}, got ${v}`);
  };
  whole(s.stepMs, 'stepMs', 1);
  whole(s.horizonMs, 'horizonMs', s.stepMs);
  if (s.horizonMs % s.stepMs !== 0)
    fail(`horizonMs (${s.horizonMs}) must be a multiple of stepMs (${s.stepMs})`);
  whole(s.paths, 'paths', 1);
  whole(s.drawsPerPath, 'drawsPerPath', 1);
  whole(s.minReadings, 'minReadings', 4);
  whole(s.minOwnReplacements, 'minOwnReplacements', 1);
  whole(s.chunkRows, 'chunkRows', 1);
  if (!Number.isSafeInteger(s.seed)) fail(`seed must be an integer, got ${s.seed}`);
  if (!(s.dueLevel > 0 && s.dueLevel < 1)) fail(`dueLevel must be in (0, 1), got ${s.dueLevel}`);
  if (
    !Number.isSafeInteger(s.noticeMs) ||
    s.noticeMs <= 0 ||
    s.noticeMs > s.horizonMs ||
    s.noticeMs % s.stepMs !== 0
  ) {
    fail(
      `noticeMs (${s.noticeMs}) must be a positive multiple of stepMs (${s.stepMs}) up to horizonMs (${s.horizonMs})`,
    );
  }
  if (!(s.releaseLevel > 0 && s.releaseLevel <= s.dueLevel)) {
    fail(`releaseLevel must be in (0, dueLevel = ${s.dueLevel}], got ${s.releaseLevel}`);
  }
  if (!(s.loadReduction > 0 && s.loadReduction < 1))
    fail(`loadReduction must be in (0, 1), got ${s.loadReduction}`);
  if (s.reportHorizonsMs.length === 0) fail('reportHorizonsMs is empty');
  for (const h of s.reportHorizonsMs) {
    if (!Number.isSafeInteger(h) || h <= 0 || h > s.horizonMs || h % s.stepMs !== 0) {
      fail(
        `report horizon ${h} ms must be a positive multiple of stepMs (${s.stepMs}) up to horizonMs (${s.horizonMs})`,
      );
    }
  }
}

/** A machine's own Monte Carlo seed: its forecast does not depend on which other machines are in the fleet. */
function machineSeed(seed: number, deviceId: string): number {
  let h = 0x811c9dc5 ^ (seed | 0) ^ Math.floor(seed / 0x1_0000_0000);
  for (let i = 0; i < deviceId.length; i++) h = Math.imul(h ^ deviceId.charCodeAt(i), 0x01000193);
  return h | 0;
}
