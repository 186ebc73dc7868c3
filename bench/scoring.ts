import { performance } from 'node:perf_hooks';
import { loadModelArtifacts } from '../model/artifacts.js';
import { buildFeatureMatrix } from '../model/featureMatrix.js';
import { OnnxScorer } from '../model/OnnxScorer.js';
import type { MachineReading } from '../schemas/reading.js';
import { QUALITY_TYPES } from '../schemas/reading.js';

const ROWS = 10_000;
const WARMUP_RUNS = 3;
// Repeats, reported as median (and best): on a shared machine one run of a few ms is at the mercy of the scheduler.
const BATCH_REPEATS = 21;
const SINGLE_PASSES = 3;

/**
 * Batched vs per-row ONNX scoring, measured in one run: one session.run over 10,000 rows against 10,000
 * single-row runs (after a warm-up), plus scorer start-up time and the memory it takes. Prints a report.
 */
export async function benchScoring(): Promise<void> {
  const readings = syntheticReadings(ROWS, 7);

  const memBefore = process.memoryUsage();
  let t = performance.now();
  const artifacts = await loadModelArtifacts();
  const loadMs = performance.now() - t;
  t = performance.now();
  const scorer = await OnnxScorer.create(artifacts);
  const createMs = performance.now() - t;
  const memAfter = process.memoryUsage();

  const x = buildFeatureMatrix(readings, artifacts.scaler);
  const f = scorer.featureCount;
  const row = (i: number): Float32Array => x.subarray(i * f, (i + 1) * f);
  try {
    for (let w = 0; w < WARMUP_RUNS; w++) {
      await scorer.score(x, ROWS);
      for (let i = 0; i < 200; i++) await scorer.score(row(i), 1);
    }

    const batchTimes: number[] = [];
    for (let r = 0; r < BATCH_REPEATS; r++) {
      t = performance.now();
      await scorer.score(x, ROWS);
      batchTimes.push(performance.now() - t);
    }
    const singleTimes: number[] = [];
    for (let pass = 0; pass < SINGLE_PASSES; pass++) {
      t = performance.now();
      for (let i = 0; i < ROWS; i++) await scorer.score(row(i), 1);
      singleTimes.push(performance.now() - t);
    }
    const batchMs = median(batchTimes);
    const singleMs = median(singleTimes);

    const threaded = await OnnxScorer.create(artifacts, { intraOpNumThreads: 2 });
    let threadedMs: number;
    try {
      for (let w = 0; w < WARMUP_RUNS; w++) await threaded.score(x, ROWS);
      const times: number[] = [];
      for (let r = 0; r < BATCH_REPEATS; r++) {
        t = performance.now();
        await threaded.score(x, ROWS);
        times.push(performance.now() - t);
      }
      threadedMs = median(times);
    } finally {
      await threaded.release();
    }

    const rate = (ms: number): string => `${Math.round((ROWS / ms) * 1000).toLocaleString('en-US')} rows/s`;
    const mb = (bytes: number): string => `${bytes >= 0 ? '+' : ''}${(bytes / 1024 / 1024).toFixed(1)} MB`;
    const bestBatch = Math.min(...batchTimes);
    const bestSingle = Math.min(...singleTimes);
    const report = [
      `scoring bench: ${artifacts.modelName} ${artifacts.modelVersion}, ${ROWS.toLocaleString('en-US')} rows`,
      `  start-up: load artifacts ${loadMs.toFixed(1)} ms, create session + probe run ${createMs.toFixed(1)} ms`,
      `  memory taken by the scorer: rss ${mb(memAfter.rss - memBefore.rss)}, ` +
        `heap ${mb(memAfter.heapUsed - memBefore.heapUsed)}`,
      `  one run of ${ROWS} rows: ${batchMs.toFixed(2)} ms, ${rate(batchMs)} ` +
        `(median of ${BATCH_REPEATS}; best ${bestBatch.toFixed(2)} ms)`,
      `  ${ROWS} single-row runs: ${singleMs.toFixed(1)} ms, ${rate(singleMs)} ` +
        `(median of ${SINGLE_PASSES} passes; best ${bestSingle.toFixed(1)} ms)`,
      `  batched vs per-row: ${(singleMs / batchMs).toFixed(0)}x on medians, ` +
        `${(bestSingle / bestBatch).toFixed(0)}x on best times (target >= 50x)`,
      `  one run with intraOpNumThreads 2: ${threadedMs.toFixed(2)} ms, ${rate(threadedMs)} (the scorer's default is 1)`,
    ];
    console.log(report.join('\n'));
  } finally {
    await scorer.release();
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Readings spread over the AI4I ranges from a small seeded generator (the bench needs no data file). */
function syntheticReadings(n: number, seed: number): MachineReading[] {
  let state = seed >>> 0;
  const next = (): number => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
  const out: MachineReading[] = [];
  for (let i = 0; i < n; i++) {
    const air = 295 + next() * 10;
    out.push({
      qualityType: QUALITY_TYPES[Math.floor(next() * 3)] as MachineReading['qualityType'],
      airTemperatureK: air,
      processTemperatureK: air + 8 + next() * 4,
      rotationalSpeedRpm: 1200 + next() * 1600,
      torqueNm: 5 + next() * 70,
      toolWearMin: Math.floor(next() * 250),
    });
  }
  return out;
}
