import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { parseConfig } from '../../kernel/configSchema.js';
import { PfmError } from '../../kernel/errors.js';
import { createObservability, instrument } from '../../kernel/observability.js';
import { encodeReading } from '../../schemas/codec/readingCodec.js';
import { createKinesisClient } from '../kinesis/client.js';
import { KinesisWriter, type WriteEntry, type WriteResult } from '../kinesis/KinesisWriter.js';
import { parseDriftSpec } from './driftSpec.js';
import { createSimulator } from './Simulator.js';

const positive = z.coerce.number().int().positive();
const configSchema = z.object({
  PFM_STREAM_NAME: z.string().min(1),
  PFM_SIM_RECORDS: positive.max(100_000).default(500),
  PFM_SIM_MACHINES: positive.max(10_000).default(50),
  PFM_SIM_INTERVAL_MS: positive.default(1_000),
  PFM_SIM_SEED: z.coerce.number().int().default(42),
  /** `;`-separated drift specs (`pfm simulate --drift` syntax; a spec's device list uses commas). */
  PFM_SIM_DRIFT: z.string().default(''),
});

/** The scheduled simulator's settings. */
export interface SimulatorLambdaConfig {
  streamName: string;
  records: number;
  machines: number;
  intervalMs: number;
  seed: number;
  drift: string[];
}

/** Reads and validates the simulator function's environment, naming the variable that is wrong. */
export function readSimulatorConfig(env: NodeJS.ProcessEnv = process.env): SimulatorLambdaConfig {
  const c = parseConfig(configSchema, env, 'configuration');
  const drift = c.PFM_SIM_DRIFT.split(';')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  // Parse once here so a bad spec fails at the first invocation with the variable named, not mid-run.
  for (const spec of drift) {
    try {
      parseDriftSpec(spec, 0);
    } catch (cause) {
      throw new PfmError(
        'CONFIG_INVALID',
        `invalid configuration: PFM_SIM_DRIFT: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
  }
  return {
    streamName: c.PFM_STREAM_NAME,
    records: c.PFM_SIM_RECORDS,
    machines: c.PFM_SIM_MACHINES,
    intervalMs: c.PFM_SIM_INTERVAL_MS,
    seed: c.PFM_SIM_SEED,
    drift,
  };
}

/** What EventBridge Scheduler sends (the stack sets `scheduledTime` from the schedule's context). */
export interface ScheduledRunEvent {
  scheduledTime?: string;
}

/** What one run wrote. */
export interface ScheduledRunResult {
  startTime: number;
  seed: number;
  written: number;
}

export interface ScheduledSimulatorDeps {
  config: SimulatorLambdaConfig;
  writer: { write(entries: readonly WriteEntry[]): Promise<WriteResult> };
  now: () => number;
}

/**
 * The seed of the run starting at `startTime`: the configured seed plus the start minute, so successive
 * runs produce different readings and any run can be replayed from its start time.
 */
export function runSeed(seed: number, startTime: number): number {
  return seed + Math.floor(startTime / 60_000);
}

/**
 * One scheduled run: simulates `records` readings of the fleet from the scheduled time on and writes them
 * to the stream; throws when Kinesis still refused some after the writer's retries (the invocation then
 * fails and the Errors alarm sees it). Each run is a fresh fleet: device sequence numbers restart at 0.
 */
export function createScheduledSimulator(deps: ScheduledSimulatorDeps) {
  const { config } = deps;
  return async (event: ScheduledRunEvent = {}): Promise<ScheduledRunResult> => {
    const scheduled = event.scheduledTime === undefined ? Number.NaN : Date.parse(event.scheduledTime);
    const startTime = Number.isFinite(scheduled) ? scheduled : deps.now();
    const seed = runSeed(config.seed, startTime);
    const simulator = createSimulator({
      machines: config.machines,
      seed,
      startTime,
      intervalMs: config.intervalMs,
      drift: config.drift.map((spec) => parseDriftSpec(spec, startTime)),
    });
    const entries = simulator
      .take(config.records)
      .map(({ reading }) => ({ data: encodeReading(reading), partitionKey: reading.deviceId }));
    const result = await deps.writer.write(entries);
    if (result.failed.length > 0) {
      const first = result.failed[0];
      throw new PfmError(
        'SINK_UNAVAILABLE',
        `${result.failed.length} of ${entries.length} readings not written to ${config.streamName} (first: ${first?.errorCode}: ${first?.errorMessage})`,
        { retryable: true },
      );
    }
    return { startTime, seed, written: result.written };
  };
}

const observability = createObservability('pfm-simulator');
const { logger, metrics } = observability;
let run: ReturnType<typeof createScheduledSimulator> | undefined;

/** The Lambda entry point (EventBridge Scheduler target); wired on the first invocation, then reused. */
export const handler: (event: ScheduledRunEvent) => Promise<ScheduledRunResult> = instrument(
  observability,
  async (event) => {
    if (run === undefined) {
      const config = readSimulatorConfig();
      const writer = new KinesisWriter({
        client: createKinesisClient(),
        streamName: config.streamName,
        concurrency: 2,
      });
      run = createScheduledSimulator({ config, writer, now: Date.now });
    }
    const result = await run(event);
    metrics.addMetric('ReadingsWritten', MetricUnit.Count, result.written);
    logger.info('simulated readings written', { ...result });
    return result;
  },
);
