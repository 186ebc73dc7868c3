// `npm run bench [section ...]`: every figure BENCHMARKS.md quotes, measured side by side in one run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const SECTIONS: Record<string, () => Promise<void>> = {
  scoring: async () => (await import('./scoring.js')).benchScoring(),
  codec: async () => (await import('./codec.js')).benchCodec(),
  inference: async () => (await import('./inference.js')).benchInference(),
  pipeline: async () => (await import('./pipeline.js')).benchPipeline(),
  kinesis: async () => (await import('./kinesis.js')).benchKinesis(),
  sinks: async () => (await import('./sinks.js')).benchSinks(),
  drift: async () => (await import('./drift.js')).benchDrift(),
  bundle: async () => (await import('./bundle.js')).benchBundle(),
  forecast: async () => (await import('./forecast.js')).benchForecast(),
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in SECTIONS));
if (unknown.length > 0) {
  console.error(`unknown section(s) ${unknown.join(', ')}; sections: ${Object.keys(SECTIONS).join(', ')}`);
  process.exit(1);
}
const run = wanted.length > 0 ? wanted : Object.keys(SECTIONS);
const started = performance.now();
for (const [i, name] of run.entries()) {
  console.log(`\n=== [${i + 1}/${run.length}] ${name} ===`);
  await (SECTIONS[name] as () => Promise<void>)();
}
console.log(
  `\nbench: ${run.length} section(s) in ${((performance.now() - started) / 1000).toFixed(1)} s on ${(await import('node:os')).cpus().length} cores, Node ${process.version}`,
);
