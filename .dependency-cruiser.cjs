// The project's layers (README, "Layers"): dependencies point one way, down this list; nothing imports upward.
//   1 schemas/     the reading's schemas, type and wire codec          imports nothing of the project
//   2 kernel/      errors, backoff, concurrency, chunking, SDK plumbing imports nothing of the project
//   3 model/       features, scaler, scorer, decision, AI4I physics    imports 1-2
//   4 processors/  inference, drift, agent, sinks, store, forecast     imports 1-3
//   5 stream/      simulator, Kinesis, kinesis-local, event-source runner imports 1-2
//   6 app/         local pipeline, dashboard, CLI: wires 4 and 5       imports 1-5
//   infra/ may import the kernel, and processors' and stream's configuration, constants and types (env names,
//   event types, limits); nothing that runs in a function.
// test/ and bench/ may import anything. `test/architecture.test.ts` runs these rules on every `npm test`.
const layer = (name, allowed) => ({
  name: `${name}-imports-only-${allowed.join('-') || 'itself'}`,
  comment: `${name}/ may import only ${[name, ...allowed].join(', ')} of the project`,
  severity: 'error',
  from: { path: `^${name}/` },
  to: {
    path: '^(schemas|kernel|model|processors|stream|app|infra|test|bench)/',
    pathNot: `^(${[name, ...allowed].join('|')})/`,
  },
});

module.exports = {
  forbidden: [
    layer('schemas', []),
    layer('kernel', []),
    layer('model', ['schemas', 'kernel']),
    layer('processors', ['schemas', 'kernel', 'model']),
    layer('stream', ['schemas', 'kernel']),
    layer('app', ['schemas', 'kernel', 'model', 'processors', 'stream']),
    {
      name: 'infra-imports-configuration-only',
      comment:
        'infra/ synthesizes the stack; from the code it deploys it may read configuration and constants (env names, event types, limits), never run it',
      severity: 'error',
      from: { path: '^infra/' },
      to: {
        path: '^(schemas|model|processors|stream|app)/',
        pathNot: '^(processors|stream)[^.]*/(config|constants|types)\\.ts$',
      },
    },
    {
      name: 'no-circular',
      comment: 'a cycle makes two modules one; merge them or move what they share down a layer',
      severity: 'error',
      from: { path: '^(schemas|kernel|model|processors|stream|app|infra)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|cdk\\.out|pfm-data)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6', 'cjs'],
  },
};
