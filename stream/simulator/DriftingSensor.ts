import type { SensorReading } from '../../schemas/reading.js';
import { roundFeature } from './physics.js';
import { createRandom, deriveSeed, type Random } from './random.js';
import type { DriftInjection } from './types.js';

/**
 * What one machine's sensors report: the true values with the drifts that concern this device applied, in
 * the order given. Its noise has its own random stream, so a drift never changes the physics it sits on.
 */
export class DriftingSensor {
  private readonly drifts: readonly DriftInjection[];
  private readonly stuckValues = new Map<number, number>();
  private readonly random: Random;

  constructor(deviceId: string, index: number, seed: number, drifts: readonly DriftInjection[]) {
    this.drifts = drifts.filter((d) => d.machines === undefined || d.machines.includes(deviceId));
    this.random = createRandom(deriveSeed(seed, index, 1));
  }

  /** The reading as reported: a copy of the true one with every active drift applied. */
  report(truth: SensorReading): SensorReading {
    if (this.drifts.length === 0) return truth;
    const reported = { ...truth };
    this.drifts.forEach((drift, i) => {
      if (truth.timestamp < drift.fromTime) return;
      const value = reported[drift.feature];
      let next: number;
      switch (drift.kind) {
        case 'offset':
          next = value + drift.amount;
          break;
        case 'scale':
          next = value * drift.amount;
          break;
        case 'noise':
          next = value + drift.amount * this.random.normal();
          break;
        case 'stuck': {
          const held = this.stuckValues.get(i);
          next = held ?? value;
          if (held === undefined) this.stuckValues.set(i, value);
          break;
        }
      }
      reported[drift.feature] = roundFeature(drift.feature, next);
    });
    return reported;
  }
}
