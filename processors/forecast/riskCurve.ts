import type { MachineForecast } from './types.js';

/**
 * A machine's cumulative probability of a forecastable failure by `time`, read off its risk curve: linear between
 * the curve's points, 0 at its last reading, the curve's last value beyond it.
 */
export function probabilityBy(m: Pick<MachineForecast, 'asOf' | 'curve'>, time: number): number {
  let previous = { time: m.asOf, probability: 0 };
  for (const point of m.curve) {
    if (point.time >= time) {
      const span = point.time - previous.time;
      const f = span > 0 ? (time - previous.time) / span : 1;
      return previous.probability + f * (point.probability - previous.probability);
    }
    previous = point;
  }
  return previous.probability;
}
