import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { KinesisStreamStateResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BundledStack,
  bundledHandlerFile,
  copyToCleanFolder,
  functionAssetDir,
  synthesizeBundled,
} from '../../infra/bundleProbe.js';
import { resolveStackConfig } from '../../infra/config.js';
import { LAMBDA_ENTRIES, LAMBDA_TASK_ROOT } from '../../infra/constants.js';
import { driftCalibrationFile, simulatedWindowRecords } from '../../infra/constructs/driftMonitor.js';
import { PfmError } from '../../kernel/errors.js';
import { loadCalibration } from '../../processors/drift/calibration.js';
import { DRIFT_CALIBRATION_FILE } from '../../processors/drift/constants.js';
import { loadDriftReference } from '../../processors/drift/reference.js';
import { decodeStoredState } from '../../processors/drift/storedState.js';
import { createSimulator } from '../../stream/simulator/Simulator.js';
import type { DriftInjection } from '../../stream/simulator/types.js';
import { runTumblingPlan, type ShardLayout, tumblingPlan } from '../fixtures/kinesis/tumblingWindows.js';
import { DynamoDbStandIn } from '../helpers/dynamoDbStandIn.js';
import { EventBridgeStandIn } from '../helpers/eventBridgeStandIn.js';
import { TimestreamStandIn } from '../helpers/timestreamStandIn.js';
import { synth } from './synth.js';

// The stack with its fleet simulator on (its default fleet and rate): the stream carries a simulated fleet, and
// the drift function must stay quiet on it while it is stationary and catch a shift of torque.
const SETTINGS = { simulator: { enabled: true }, sink: { kind: 'timestream' } } as const;
const config = resolveStackConfig(SETTINGS);
const WINDOW = simulatedWindowRecords(config.simulator, config.drift);
const WINDOWS = 52;
const reference = loadDriftReference();
const TORQUE_SD = reference.features.find((f) => f.name === 'torque_nm')?.std ?? Number.NaN;

describe('the drift calibration the stack packages', () => {
  it('is the training file for a real fleet, the simulated fleet of its size and load when its simulator runs', () => {
    const resolve = (settings: Parameters<typeof resolveStackConfig>[0]) => {
      const c = resolveStackConfig(settings);
      return driftCalibrationFile(c.drift, c.simulator);
    };
    expect(resolve({})).toBe(DRIFT_CALIBRATION_FILE);
    // 500 readings a minute, 300 s tumbling windows: 2,500 readings a period, one period a window.
    expect(WINDOW).toBe(2500);
    expect(resolve(SETTINGS)).toBe('drift-calibration.simulated-50x2500.json');
    // 200 readings every 5 minutes, 300 s periods: 5 periods make the smallest window of 1,000.
    expect(resolve({ simulator: { enabled: true, rateMinutes: 5, readingsPerRun: 200 } })).toBe(
      'drift-calibration.simulated-50x1000.json',
    );
    expect(resolve({ drift: { calibrationFile: 'mine.json' }, simulator: { enabled: true } })).toBe(
      'mine.json',
    );
  });

  it('refuses to synthesize without the calibration it needs, naming the command that makes it', () => {
    expect(() => synth({ simulator: { enabled: true, machines: 7 } })).toThrow(
      /drift-calibration\.simulated-7x2500\.json is missing.*pfm drift calibrate --machines 7 --window 2500/,
    );
  });

  it('points the function at the packaged file through PFM_DRIFT_CALIBRATION', () => {
    const { template } = synth(SETTINGS);
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find(
      (r) => r.Properties.Handler === 'processors/drift/index.handler',
    );
    expect(fn?.Properties.Environment.Variables).toMatchObject({
      PFM_DRIFT_CALIBRATION: `${LAMBDA_TASK_ROOT}/model/artifacts/drift-calibration.simulated-50x2500.json`,
    });
    expect(Object.keys(fn?.Properties.Environment.Variables ?? {})).not.toContain('PFM_DRIFT_SHARDS');
  });
});

/** The runner of a warm execution environment: loads the handler once, answers one JSON event per line. */
const RUNNER = `
import { pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
const mod = await import(pathToFileURL(process.env.PFM_PROBE_HANDLER).href);
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  let out;
  try { out = { ok: true, result: await mod.handler(JSON.parse(line)) }; }
  catch (error) { out = { ok: false, error: String(error && error.stack || error) }; }
  process.stdout.write('\\n@@PFM_WARM@@' + JSON.stringify(out) + '\\n');
}
`;

/**
 * One warm Lambda execution environment of a bundled handler: a Node process started in the package folder
 * with only the given environment, invoked any number of times (as Lambda reuses an environment).
 */
class WarmFunction {
  private buffer = '';
  private waiting: ((out: { ok: boolean; result?: unknown; error?: string }) => void)[] = [];
  stderr = '';

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (d: Buffer) => {
      this.buffer += d.toString();
      let cut = this.buffer.indexOf('\n');
      while (cut >= 0) {
        const line = this.buffer.slice(0, cut);
        this.buffer = this.buffer.slice(cut + 1);
        if (line.startsWith('@@PFM_WARM@@')) this.waiting.shift()?.(JSON.parse(line.slice(12)));
        cut = this.buffer.indexOf('\n');
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-8_000);
    });
  }

  static start(packageDir: string, env: Record<string, string>): WarmFunction {
    const child = spawn(process.execPath, ['--input-type=module', '-e', RUNNER], {
      cwd: packageDir,
      env: {
        PATH: process.env.PATH ?? '',
        ...env,
        PFM_PROBE_HANDLER: bundledHandlerFile(packageDir, LAMBDA_ENTRIES.drift),
      },
    });
    return new WarmFunction(child);
  }

  invoke(event: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.waiting.push((out) => {
        if (out.ok) resolve(out.result);
        else reject(new PfmError('CONFIG_INVALID', `drift function failed: ${out.error}\n${this.stderr}`));
      });
      this.child.stdin.write(`${JSON.stringify(event)}\n`);
    });
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}

/** The template's value of an environment variable, with references resolved to the names given. */
function resolveValue(value: unknown, names: Record<string, string>): string {
  if (typeof value === 'string') return value.replace(LAMBDA_TASK_ROOT, '.');
  const ref = (value as { Ref?: string }).Ref;
  const known =
    ref === undefined ? undefined : Object.entries(names).find(([prefix]) => ref.startsWith(prefix));
  if (known === undefined) throw new Error(`unresolved template value ${JSON.stringify(value)}`);
  return known[1];
}

describe('the synthesized drift function on the stack’s simulated fleet (cdk.out bundle, template environment)', () => {
  let bundled: BundledStack;
  let dir: string;
  let variables: Record<string, unknown>;
  let tableName: string;
  const cleanup: string[] = [];

  beforeAll(() => {
    bundled = synthesizeBundled(SETTINGS);
    cleanup.push(bundled.assemblyDir);
    dir = copyToCleanFolder(functionAssetDir(bundled, bundled.stack.drift.fn));
    cleanup.push(dir);
    const template = JSON.parse(
      readFileSync(join(bundled.assemblyDir, bundled.stack.templateFile), 'utf8'),
    ) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const resources = Object.values(template.Resources);
    const fn = resources.find(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'processors/drift/index.handler',
    );
    if (fn === undefined) throw new Error('no drift function in the template');
    variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    const table = resources.find((r) => r.Type === 'AWS::DynamoDB::Table');
    tableName = String(table?.Properties.TableName ?? 'unnamed');
  }, 240_000);

  afterAll(() => {
    for (const d of cleanup) rmSync(d, { recursive: true, force: true });
  });

  /**
   * Runs the fleet through the bundled function as Lambda delivers a stream under tumbling windows: every shard
   * on its own, in two warm environments (shards alternate between them; they share only the DynamoDB table),
   * periods of the template's tumbling window at the simulator's rate, batches of the template's batch size.
   */
  async function run(seed: number, drift: DriftInjection[] = []) {
    const dynamo = await DynamoDbStandIn.start({ tables: [tableName] });
    const bus = await EventBridgeStandIn.start();
    const timestream = await TimestreamStandIn.start();
    const environments: WarmFunction[] = [];
    try {
      const env: Record<string, string> = {
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        AWS_ENDPOINT_URL_EVENTBRIDGE: bus.endpoint,
        AWS_ENDPOINT_URL_TIMESTREAM_WRITE: timestream.endpoint,
      };
      for (const [name, value] of Object.entries(variables)) {
        env[name] = resolveValue(value, {
          EventsBus: 'pfm-events',
          DriftState: tableName,
          StoreDatabase: 'pfm',
          Store: 'pfm',
        });
      }
      for (let i = 0; i < 2; i++) environments.push(WarmFunction.start(dir, env));
      const { machines, intervalMs } = config.simulator;
      // Reading time of one tumbling period at the simulator's load (its readings carry machine time).
      const periodMs = (WINDOW / machines) * intervalMs;
      const start = Math.floor((Date.now() - 2 * 3600_000) / periodMs) * periodMs;
      const readings = createSimulator({ machines, seed, startTime: start, intervalMs, drift })
        .take(WINDOWS * WINDOW)
        .map((s) => s.reading);
      // An on-demand stream: 4 shards, merged to 3 a third of the way, split to 5 two thirds of the way.
      const span = WINDOWS * periodMs;
      const layouts: ShardLayout[] = [
        { from: start, shards: 4 },
        { from: start + Math.round(span / 3 / periodMs) * periodMs + 1234, shards: 3 },
        { from: start + Math.round((2 * span) / 3 / periodMs) * periodMs + 4321, shards: 5 },
      ];
      const steps = tumblingPlan(readings, { periodMs, layouts, batchSize: config.drift.batchSize, seed });
      const shardIndex = new Map<string, number>();
      await runTumblingPlan(steps, async (event) => {
        if (!shardIndex.has(event.shardId)) shardIndex.set(event.shardId, shardIndex.size);
        const environment = environments[(shardIndex.get(event.shardId) as number) % 2] as WarmFunction;
        return (await environment.invoke(event)) as KinesisStreamStateResponse;
      });
      const item = dynamo.items(tableName).find((i) => i.pk?.S === 'state');
      const body = Buffer.from(String(item?.body?.B), 'base64');
      const { gunzipSync } = await import('node:zlib');
      const state = decodeStoredState(gunzipSync(body).toString('utf8'), tableName);
      const fleetRows = timestream
        .records('pfm', String(env.TIMESTREAM_DRIFT_TABLE))
        .filter((r) => r.dimensions.scope === 'fleet' && r.dimensions.feature === 'torque_nm');
      return {
        start,
        periodMs,
        windowsEvaluated: state.monitor.lastSeq ?? 0,
        windowSizes: fleetRows.map((r) => Number(r.measures.n?.value)),
        events: bus.events.map((e) => ({
          detailType: e.detailType,
          detail: e.detail as { scope: { id: string }; window: { seq: number; start: number; end: number } },
        })),
      };
    } finally {
      for (const e of environments) e.stop();
      await Promise.all([dynamo.stop(), bus.stop(), timestream.stop()]);
    }
  }

  it('packages the calibration the template names, made for this fleet and window', () => {
    const file = String(variables.PFM_DRIFT_CALIBRATION).replace(LAMBDA_TASK_ROOT, dir);
    expect(existsSync(file)).toBe(true);
    const calibration = loadCalibration(file);
    expect(calibration.windowRecords).toBe(WINDOW);
    expect(calibration.source).toMatch(/^stationary simulator: 50 machines/);
    expect(calibration.referenceStatisticsSha256).toBe(reference.statisticsSha256);
  });

  it(`raises no event on a stationary fleet over ${WINDOWS - 2}+ windows, through reshards`, async () => {
    const out = await run(31);
    expect(out.windowsEvaluated).toBeGreaterThanOrEqual(50);
    // Every window holds the calibrated number of readings: one whole period of the fleet, from all shards.
    expect(out.windowSizes.length).toBe(out.windowsEvaluated);
    for (const n of out.windowSizes) expect(n).toBe(WINDOW);
    expect(out.events).toEqual([]);
  }, 300_000);

  it('catches +1 sd of torque within 2 windows of its start, and raises nothing before it', async () => {
    const shiftWindow = 30;
    const { machines, intervalMs } = config.simulator;
    const periodMs = (WINDOW / machines) * intervalMs;
    const start = Math.floor((Date.now() - 2 * 3600_000) / periodMs) * periodMs;
    // From the middle of window 30 (a shift rarely starts on a window boundary).
    const fromTime = start + (shiftWindow - 1) * periodMs + periodMs / 2;
    const out = await run(32, [{ feature: 'torqueNm', kind: 'offset', amount: TORQUE_SD, fromTime }]);
    expect(out.start).toBe(start);
    const fleet = out.events.filter((e) => e.detail.scope.id === 'fleet');
    const detected = fleet.find((e) => e.detailType === 'FeatureDriftDetected');
    expect(detected, JSON.stringify(out.events.slice(0, 5))).toBeDefined();
    const seq = detected?.detail.window.seq ?? Number.NaN;
    expect(seq).toBeGreaterThanOrEqual(shiftWindow);
    expect(seq).toBeLessThanOrEqual(shiftWindow + 1);
    expect(out.events.filter((e) => e.detail.window.seq < shiftWindow)).toEqual([]);
    expect(fleet.map((e) => e.detailType)).toContain('ModelRetrainingRecommended');
  }, 300_000);
});
