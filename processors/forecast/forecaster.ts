import { loadModelArtifacts } from '../../model/artifacts.js';
import { OnnxScorer } from '../../model/OnnxScorer.js';
import { DEFAULT_FORECAST_SETTINGS, DEFAULT_HISTORY_MS, DEFAULT_HISTORY_READINGS } from './constants.js';
import { createForecastCore, type ForecastCore } from './core.js';
import { loadCalibration } from './loadCalibration.js';
import type {
  FleetForecast,
  ForecastReader,
  ForecastSettings,
  HistorySource,
  HistoryWindow,
} from './types.js';

export interface ForecasterOptions {
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

/** The forecaster: the store's history, the model's scorer, computed when asked. */
export interface Forecaster extends ForecastReader {
  /** A forecast computed now, whatever the cache holds (the scheduled cycle's; it refreshes the cache). */
  freshForecast(): Promise<FleetForecast | null>;
  /** Frees the scorer (if one was created). */
  close(): Promise<void>;
}

/**
 * Wires the forecast core to a history source (the CLI, the dashboard, `pfm ask`, the local forecast cycle and
 * the scheduled forecast function): the model and its scorer are loaded on the first forecast, concurrent
 * callers share one computation, and a recent result may be served again.
 */
export function createForecaster(source: HistorySource, options: ForecasterOptions = {}): Forecaster {
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

  /** Starts a computation that concurrent callers share until it settles. */
  const begin = (): Promise<FleetForecast | null> => {
    inFlight = compute().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  return {
    latestForecast() {
      if (cached && options.cacheMs !== undefined && now() - cached.at < options.cacheMs) {
        return Promise.resolve(cached.forecast);
      }
      return inFlight ?? begin();
    },
    async freshForecast() {
      // A computation already under way may have read the store before the caller's last write: wait it out.
      await inFlight?.catch(() => undefined);
      return begin();
    },
    async close() {
      const e = engine;
      engine = undefined;
      if (e) await (await e.catch(() => undefined))?.scorer.release();
    },
  };
}
