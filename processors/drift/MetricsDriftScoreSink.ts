import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DriftScoreRow, DriftScoreSink } from './types.js';

/** Drift state as a number a CloudWatch graph can draw: OK 0, WARN 1, DRIFT 2. */
const STATE_LEVEL = { OK: 0, WARN: 1, DRIFT: 2 } as const;

/**
 * DriftScoreSink on CloudWatch (Powertools EMF metrics, dimensions scope and feature), for deployments whose
 * prediction store has no drift table: PSI, mean shift, variance ratio, CUSUM and the state level per window.
 */
export class MetricsDriftScoreSink implements DriftScoreSink {
  constructor(private readonly metrics: Metrics) {}

  async writeDriftScores(rows: readonly DriftScoreRow[]): Promise<void> {
    for (const r of rows) {
      const m = this.metrics.singleMetric();
      m.addDimensions({ scope: r.scope, feature: r.feature });
      m.addMetric('DriftPsi', MetricUnit.NoUnit, r.psi);
      m.addMetric('DriftMeanShift', MetricUnit.NoUnit, r.meanShift);
      m.addMetric('DriftVarianceRatio', MetricUnit.NoUnit, r.varianceRatio);
      m.addMetric('DriftCusum', MetricUnit.NoUnit, r.cusum);
      m.addMetric('DriftState', MetricUnit.NoUnit, STATE_LEVEL[r.state]);
    }
  }
}
