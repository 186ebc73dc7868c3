import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BundledStack,
  bundledHandlerFile,
  copyToCleanFolder,
  directorySize,
  functionAssetDir,
  type InfluxStandIn,
  runBundledHandler,
  startInfluxStandIn,
  synthesizeBundled,
} from '../../infra/bundleProbe.js';
import { PROJECT_ROOT } from '../../infra/bundling.js';
import { LAMBDA_ENTRIES } from '../../infra/constants.js';
import { encodeReading } from '../../schemas/codec/readingCodec.js';
import { createSimulator } from '../../stream/simulator/Simulator.js';
import { kinesisEvent } from '../fixtures/kinesis/events.js';

/** Lambda's unzipped limit is 250 MB; the inference package is held to far less so layers and growth fit. */
const INFERENCE_PACKAGE_LIMIT_BYTES = 80 * 1024 * 1024;

// One real bundling of the default stack for the whole file (esbuild, the ONNX Runtime copy, asset staging).
let bundled: BundledStack;
let inferenceDir: string;
const cleanup: string[] = [];

beforeAll(() => {
  bundled = synthesizeBundled();
  inferenceDir = functionAssetDir(bundled, bundled.stack.inference.fn);
  cleanup.push(bundled.assemblyDir);
}, 180_000);

afterAll(() => {
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

describe('the inference function package', () => {
  it(`stays within ${INFERENCE_PACKAGE_LIMIT_BYTES / 1024 / 1024} MB unzipped`, () => {
    const { bytes } = directorySize(inferenceDir);
    expect(bytes).toBeGreaterThan(1024 * 1024);
    expect(bytes).toBeLessThanOrEqual(INFERENCE_PACKAGE_LIMIT_BYTES);
  });

  it('puts the bundle where the handler setting points', () => {
    const cfn = bundled.stack.inference.fn.function.node.defaultChild as { handler?: string };
    const [file] = (cfn.handler ?? '').split(/\.(?=[^.]+$)/);
    expect(existsSync(join(inferenceDir, `${file}.mjs`))).toBe(true);
  });

  it('ships onnxruntime-node with the linux-x64 binary only', () => {
    const files = filesUnder(join(inferenceDir, 'node_modules', 'onnxruntime-node', 'bin'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(f).toMatch(/^napi-v\d+\/linux\/x64\//);
    expect(files.some((f) => f.endsWith('onnxruntime_binding.node'))).toBe(true);
    expect(files.some((f) => /libonnxruntime\.so/.test(f))).toBe(true);
    expect(existsSync(join(inferenceDir, 'node_modules', 'onnxruntime-common', 'package.json'))).toBe(true);
  });

  it('ships the model artifacts and the Avro schemas at the paths the code resolves', () => {
    for (const f of readdirSync(join(PROJECT_ROOT, 'model', 'artifacts'))) {
      expect(existsSync(join(inferenceDir, 'model', 'artifacts', f)), f).toBe(true);
    }
    for (const f of readdirSync(join(PROJECT_ROOT, 'schemas')).filter((n) => n.endsWith('.avsc'))) {
      // The codec reads `../../schemas/<file>` relative to itself; the bundle sits two folders deep.
      const fromBundle = new URL(`../../schemas/${f}`, `file://${bundledHandlerFile(inferenceDir)}`);
      expect(existsSync(fromBundle), f).toBe(true);
    }
  });

  it('leaves DuckDB out: no node_modules entry and no top-level import of it', () => {
    expect(existsSync(join(inferenceDir, 'node_modules', '@duckdb'))).toBe(false);
    const code = readFileSync(bundledHandlerFile(inferenceDir), 'utf8');
    expect(code).not.toMatch(/^import[^;]*from\s*["']@duckdb\/node-api["']/m);
    expect(code).not.toMatch(/appendTimestampMilliseconds/);
  });
});

describe('the inference bundle run from a clean folder', () => {
  let influx: InfluxStandIn;
  let dir: string;

  beforeAll(async () => {
    influx = await startInfluxStandIn();
    dir = copyToCleanFolder(inferenceDir);
    cleanup.push(dir);
  });
  afterAll(async () => {
    await influx.close();
  });

  it('cannot see the project: nothing resolves from its node_modules', () => {
    expect(relative(PROJECT_ROOT, dir).startsWith('..')).toBe(true);
    const require = createRequire(join(dir, 'index.js'));
    expect(() => require.resolve('avsc')).toThrow(/^Cannot find module 'avsc'/);
    expect(() => require.resolve('@duckdb/node-api')).toThrow(/^Cannot find module '@duckdb\/node-api'/);
    expect(require.resolve('onnxruntime-node')).toContain(dir);
  });

  it('loads the packaged model and scores a batch, quarantining the poison record', async () => {
    const readings = createSimulator({
      machines: 5,
      seed: 7,
      startTime: 1_767_225_600_000,
      intervalMs: 1_000,
    }).take(40);
    const event = kinesisEvent([
      ...readings.map((r) => encodeReading(r.reading)),
      Buffer.from('not an avro message'),
    ]);
    const run = await runBundledHandler({
      packageDir: dir,
      handlerFile: bundledHandlerFile(dir),
      event,
      env: {
        // A stand-in for the deployed sink: InfluxDB's write API on 127.0.0.1.
        PFM_SINK: 'influxdb',
        INFLUXDB_URL: influx.url,
        INFLUXDB_DATABASE: 'predictions',
        PFM_MODEL_DIR: join(dir, 'model', 'artifacts'),
        AWS_REGION: 'us-east-1',
      },
    });
    expect(run.result).toEqual({ batchItemFailures: [] });
    const predictions = influx.lines.filter((l) => l.startsWith('prediction,'));
    const quarantined = influx.lines.filter((l) => l.startsWith('quarantine,'));
    expect(predictions).toHaveLength(40);
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]).toContain('stage=decode');
    for (const [i, line] of predictions.entries()) {
      const reading = readings[i]?.reading;
      expect(line).toContain(`device_id=${reading?.deviceId}`);
      const pAny = Number(/p_any=([^,]+)/.exec(line)?.[1]);
      expect(pAny).toBeGreaterThanOrEqual(0);
      expect(pAny).toBeLessThanOrEqual(1);
    }
    expect(influx.queries[0]?.get('db')).toBe('predictions');
  });
});

describe('the other function packages', () => {
  it('package the drift monitor with the model reference; it loads and keeps window state', async () => {
    const dir = copyToCleanFolder(functionAssetDir(bundled, bundled.stack.drift.fn));
    cleanup.push(dir);
    expect(existsSync(join(dir, 'model', 'artifacts', 'reference.json'))).toBe(true);
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    const readings = createSimulator({
      machines: 5,
      seed: 3,
      startTime: 1_767_225_600_000,
      intervalMs: 1_000,
    }).take(20);
    const event = {
      ...kinesisEvent(readings.map((r) => encodeReading(r.reading))),
      window: { start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:05:00Z' },
      state: {},
      shardId: 'shardId-000000000000',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/pfm-readings',
      isFinalInvokeForWindow: false,
      isWindowTerminatedEarly: false,
    };
    const run = await runBundledHandler({
      packageDir: dir,
      handlerFile: bundledHandlerFile(dir, LAMBDA_ENTRIES.drift),
      event,
      env: {
        PFM_SINK: 'timestream',
        TIMESTREAM_DATABASE: 'pfm',
        PFM_EVENT_BUS: 'pfm-events',
        PFM_MODEL_DIR: join(dir, 'model', 'artifacts'),
        PFM_DRIFT_STATE_DIR: join(dir, 'state'),
        AWS_REGION: 'us-east-1',
      },
    });
    expect(run.result).toMatchObject({ state: expect.any(Object) });
  });

  it('package the simulator so that it loads (schemas included) and names a missing setting', async () => {
    const dir = copyToCleanFolder(functionAssetDir(bundled, bundled.stack.simulator.fn));
    cleanup.push(dir);
    expect(filesUnder(join(dir, 'schemas')).sort()).toEqual(['reading.v1.avsc', 'reading.v2.avsc']);
    await expect(
      runBundledHandler({
        packageDir: dir,
        handlerFile: bundledHandlerFile(dir, LAMBDA_ENTRIES.simulator),
        event: {},
        env: {},
      }),
    ).rejects.toThrow(/PFM_STREAM_NAME/);
  });
});
