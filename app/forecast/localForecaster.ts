import { loadModelArtifacts } from '../../model/artifacts.js';
import { OnnxScorer } from '../../model/OnnxScorer.js';
import {
  DEFAULT_FORECAST_SETTINGS,
  DEFAULT_HISTORY_MS,
  DEFAULT_HISTORY_READINGS,
} from '../../processors/forecast/constants.js';
import { createForecastCore, type ForecastCore } from '../../processors/forecast/core.js';
import { loadCalibration } from '../../processors/forecast/loadCalibration.js';
import type {
  FleetForecast,
  ForecastReader,
  ForecastSettings,
  HistorySource,
  HistoryWindow,
} from '../../processors/forecast/types.js';

export interface LocalForecasterOptions {
  /** Model artifacts (default model/artifacts). */
  artifactsDir?: string;
  /** A forecast calibration file (default: the one shipped with the forecaster). */
  calibrationPath?: string;
  settings?: Partial<ForecastSettings>;
  history?: HistoryWindow;
  /** A forecast younger than this is served again instead of recomputed (default 0: always recompute). */
  cacheMs?: number;
  now?: () => number;
}

/** The forecaster on this machine: the store's history, the model's scorer, computed when asked. */
export interface LocalForecaster extends ForecastReader {
  /** Frees the scorer (if one was created). */
  close(): Promise<void>;
}

/**
 * Wires the forecast core for local use (CLI, dashboard, `pfm ask`): the model and its scorer are loaded on
 * the first forecast, concurrent callers share one computation, and a recent result may be served again.
 */
export function createLocalForecaster(
  source: HistorySource,
  options: LocalForecasterOptions = {},
): LocalForecaster {
  const now = options.now ?? Date.now;
  const history = options.history ?? { historyMs: DEFAULT_HISTORY_MS, maxReadings: DEFAULT_HISTORY_READINGS };
  let engine: Promise<{ core: ForecastCore; scorer: OnnxScorer }> | undefined;
  let inFlight: Promise<FleetForecast | null> | undefined;
  let cached: { at: number; forecast: FleetForecast | null } | undefined;

  const start = async () => {
    const [artifacts, calibration] = await Promise.all([
      loadModelArtifacts(options.artifactsDir),
      loadCalibration(options.calibrationPath),
    ]);
    const scorer = await OnnxScorer.create(artifacts);
    try {
      const settings = { ...DEFAULT_FORECAST_SETTINGS, ...options.settings };
      return { core: createForecastCore({ scorer, model: artifacts, calibration, settings, now }), scorer };
    } catch (error) {
      await scorer.release();
      throw error;
    }
  };

  const compute = async (): Promise<FleetForecast | null> => {
    engine ??= start();
    const { core } = await engine;
    const histories = await source.recentHistories(history);
    const forecast = histories.length === 0 ? null : await core.forecast(histories);
    cached = { at: now(), forecast };
    return forecast;
  };

  return {
    latestForecast() {
      if (cached && options.cacheMs !== undefined && now() - cached.at < options.cacheMs) {
        return Promise.resolve(cached.forecast);
      }
      inFlight ??= compute().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    async close() {
      const e = engine;
      engine = undefined;
      if (e) await (await e.catch(() => undefined))?.scorer.release();
    },
  };
}
