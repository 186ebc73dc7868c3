// `node --cpu-prof --import tsx bench/forecastProfile.ts [rounds]`: the bench's speed fleet (200 machines x
// 256 futures x 48 steps, no actions) forecast round after round, for a CPU profile of the core alone.
import { loadModelArtifacts } from '../model/artifacts.js';
import { OnnxScorer } from '../model/OnnxScorer.js';
import { DEFAULT_FORECAST_SETTINGS } from '../processors/forecast/constants.js';
import { createForecastCore } from '../processors/forecast/core.js';
import { loadCalibration } from '../processors/forecast/loadCalibration.js';
import { DEFAULT_FORECAST_BENCH, simulateFleet } from './forecast.js';

const rounds = Number(process.argv[2] ?? 10);
const o = DEFAULT_FORECAST_BENCH;
const artifacts = await loadModelArtifacts();
const scorer = await OnnxScorer.create(artifacts);
const core = createForecastCore({
  scorer,
  model: artifacts,
  calibration: await loadCalibration(),
  settings: { ...DEFAULT_FORECAST_SETTINGS, actions: false },
  now: () => 0,
});
const histories = simulateFleet(7, o.speedMachines, o.pacesMs, o.historyMs).map((m) => ({
  deviceId: m.deviceId,
  readings: m.readings,
}));
let best = Number.POSITIVE_INFINITY;
for (let r = 0; r < rounds; r++) {
  const t = performance.now();
  const f = await core.forecast(histories);
  const ms = performance.now() - t;
  best = Math.min(best, ms);
  console.log(`round ${r + 1}/${rounds}: ${ms.toFixed(0)} ms, ${f.rowsScored.toLocaleString('en-US')} rows`);
}
console.log(`best ${best.toFixed(0)} ms`);
await scorer.release();
