import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  bundledHandlerFile,
  copyToCleanFolder,
  directorySize,
  functionAssetDir,
  runBundledHandler,
  startInfluxStandIn,
  synthesizeBundled,
} from '../infra/bundleProbe.js';
import { encodeReading } from '../schemas/codec/readingCodec.js';
import { createSimulator } from '../stream/simulator/Simulator.js';

const BATCH = 500;
const MB = 1024 * 1024;

function mb(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`;
}

/**
 * Bundles the stack's functions as `cdk synth` does, reports each deployment package's unzipped size (the
 * inference package broken down), then runs the inference bundle from a clean folder: a cold start and one
 * batch of BATCH readings against a loopback InfluxDB stand-in.
 */
export async function benchBundle(): Promise<void> {
  const bundled = synthesizeBundled();
  const dirs: string[] = [bundled.assemblyDir];
  try {
    console.log(`synth with bundling: ${(bundled.synthMs / 1000).toFixed(1)} s`);
    const { inference, drift, simulator } = bundled.stack;
    for (const [name, fn] of [
      ['inference', inference.fn],
      ['drift', drift.fn],
      ['simulator', simulator.fn],
    ] as const) {
      const size = directorySize(functionAssetDir(bundled, fn));
      console.log(`${name.padEnd(10)} package ${mb(size.bytes).padStart(9)} in ${size.files} files`);
    }
    const inferenceDir = functionAssetDir(bundled, inference.fn);
    for (const [part, path] of [
      ['bundle (index.mjs)', bundledHandlerFile(inferenceDir)],
      ['onnxruntime-node', join(inferenceDir, 'node_modules', 'onnxruntime-node')],
      ['onnxruntime-common', join(inferenceDir, 'node_modules', 'onnxruntime-common')],
      ['model artifacts', join(inferenceDir, 'model')],
    ] as const) {
      const bytes = path.endsWith('.mjs') ? statSync(path).size : directorySize(path).bytes;
      console.log(`  ${part.padEnd(20)} ${mb(bytes).padStart(9)}`);
    }

    const clean = copyToCleanFolder(inferenceDir);
    dirs.push(clean);
    const influx = await startInfluxStandIn();
    try {
      const readings = createSimulator({
        machines: 50,
        seed: 1,
        startTime: Date.now(),
        intervalMs: 1_000,
      }).take(BATCH);
      const payloads = readings.map((r) => Buffer.from(encodeReading(r.reading)).toString('base64'));
      const event = {
        Records: payloads.map((data, i) => ({
          eventID: `shardId-000000000000:${i}`,
          eventSource: 'aws:kinesis',
          kinesis: { data, sequenceNumber: String(i), partitionKey: readings[i]?.reading.deviceId ?? 'M' },
        })),
      };
      const run = await runBundledHandler({
        packageDir: clean,
        handlerFile: bundledHandlerFile(clean),
        event,
        env: {
          PFM_SINK: 'influxdb',
          INFLUXDB_URL: influx.url,
          INFLUXDB_DATABASE: 'predictions',
          PFM_MODEL_DIR: join(clean, 'model', 'artifacts'),
          AWS_REGION: 'us-east-1',
        },
      });
      console.log(
        `clean-folder run: init ${run.initMs.toFixed(0)} ms (module load, model session), ` +
          `first batch of ${BATCH} ${run.invokeMs.toFixed(0)} ms; ${influx.lines.length} points written`,
      );
    } finally {
      await influx.close();
    }
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchBundle();
}
