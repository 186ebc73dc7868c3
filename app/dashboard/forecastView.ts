import type { FleetForecast, MachineForecast } from '../../processors/forecast/types.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** One machine's forecast as the page draws it: times of the curve in epoch seconds (uPlot's unit). */
export interface MachineForecastView {
  /** Epoch ms; null when not due within the horizon. */
  dueAt: number | null;
  dueInMinutes: number | null;
  leadingMode: string | null;
  noticeProbability: number;
  horizonProbability: number;
  asOf: number;
  /** Cumulative probability of a forecastable failure from the last reading (0 there) to the horizon. */
  curve: { time: number[]; probability: number[] };
  recommendation: {
    description: string;
    noticeProbability: number;
    probability: number;
    dueAt: number | null;
  } | null;
}

/** GET /api/forecast: every machine's due time and risk curve, or why there is none. */
export interface ForecastView {
  available: boolean;
  reason?: string;
  generatedAt?: number;
  dueLevel?: number;
  noticeHours?: number;
  horizonHours?: number;
  stepMinutes?: number;
  machines: Record<string, MachineForecastView>;
  /** Machines without a forecast, with the reason. */
  notEnoughData: Record<string, string>;
  /** Modes the forecast reports as a steady rate, not as a time. */
  notForecast: string[];
}

/** Shapes a fleet forecast (or its absence) for the page. */
export function forecastView(forecast: FleetForecast | null, unavailableReason?: string): ForecastView {
  if (forecast === null) {
    return {
      available: false,
      reason: unavailableReason ?? 'the store holds no readings to forecast from',
      machines: {},
      notEnoughData: {},
      notForecast: [],
    };
  }
  const s = forecast.settings;
  const machines: Record<string, MachineForecastView> = {};
  const notEnoughData: Record<string, string> = {};
  for (const m of forecast.machines) {
    if (m.status === 'ok') machines[m.deviceId] = machineView(m);
    else notEnoughData[m.deviceId] = m.reason;
  }
  return {
    available: true,
    generatedAt: forecast.generatedAt,
    dueLevel: s.dueLevel,
    noticeHours: s.noticeMs / HOUR,
    horizonHours: s.horizonMs / HOUR,
    stepMinutes: s.stepMs / MINUTE,
    machines,
    notEnoughData,
    notForecast: forecast.modes.filter((n) => !n.forecastable).map((n) => n.mode),
  };
}

function machineView(m: MachineForecast): MachineForecastView {
  const r = m.recommendation;
  return {
    dueAt: m.dueAt,
    dueInMinutes: m.dueAt === null ? null : Math.round((m.dueAt - m.asOf) / MINUTE),
    leadingMode: m.leadingMode,
    noticeProbability: m.noticeProbability,
    horizonProbability: 1 - m.beyondHorizon,
    asOf: m.asOf,
    curve: {
      time: [m.asOf / 1000, ...m.curve.map((p) => p.time / 1000)],
      probability: [0, ...m.curve.map((p) => p.probability)],
    },
    recommendation:
      r === null
        ? null
        : {
            description: r.description,
            noticeProbability: r.noticeProbability,
            probability: r.probability,
            dueAt: r.dueAt,
          },
  };
}
