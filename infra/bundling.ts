import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PfmError } from '../kernel/errors.js';

/** The repository root: the bundler's project root, where package-lock.json and the entry points live. */
export const PROJECT_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The one ONNX Runtime platform Lambda runs (x86_64; the arm64 build has crash reports on Lambda). */
export const ONNX_PLATFORM = { platform: 'linux', arch: 'x64' } as const;

/**
 * Left as imports by the bundler. onnxruntime-node: a native addon, shipped beside the bundle.
 * The embedded DuckDB store: processors import its opener on demand
 * (`await import('../store/openDuckDbStore.js')`) for PFM_SINK=duckdb only, but a single-file bundle would
 * inline that module with its adapters and hoist their static imports of the native `@duckdb/node-api` to the
 * top, breaking every cold start; as an external it stays a dynamic import that only a duckdb configuration
 * would ever reach (and neither it nor DuckDB is shipped).
 */
export const EXTERNAL_MODULES = [
  'onnxruntime-node',
  '@duckdb/node-api',
  '*/store/openDuckDbStore.js',
] as const;

/**
 * Makes bundled CommonJS dependencies (avsc, the AWS SDK's internals) work in an ESM bundle: esbuild's
 * `require` shim throws for Node built-ins unless a real `require` is in scope.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __pfmCreateRequire } from 'node:module'; const require = __pfmCreateRequire(import.meta.url);";

/** What goes into a function's deployment package besides the bundle. */
export interface PackageContents {
  /** The entry point, relative to the project root (e.g. `processors/inference/lambda.ts`). */
  entry: string;
  /** Copy `model/artifacts/` (the scorer and the drift reference read it at start-up). */
  model: boolean;
  /** Copy onnxruntime-node with its linux-x64 binary only. */
  onnxRuntime: boolean;
}

/**
 * Where the bundle sits in the package: the entry's own folder. Modules that find data files relative
 * to their source (`new URL('../../schemas/…', import.meta.url)` in the codec) then resolve them to the
 * same relative paths inside the package, because the bundle is as deep as the entry was.
 */
export function bundleDir(entry: string): string {
  return posix.dirname(toPosix(entry));
}

/** The Lambda `handler` setting for a bundle laid out by {@link packageLayoutCommands}. */
export function handlerPath(entry: string): string {
  return `${bundleDir(entry)}/index.handler`;
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

/** POSIX shell quoting for one argument. */
export function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The installed package folder of a dependency, found the way Node searches node_modules from `from`. */
export function packageDir(name: string, from: string = PROJECT_ROOT): string {
  // Not require.resolve(`${name}/package.json`): packages with an `exports` map (onnxruntime-common) hide it.
  const searched = createRequire(join(from, 'package.json')).resolve.paths(name) ?? [];
  const dir = searched.map((p) => join(p, name)).find((d) => existsSync(join(d, 'package.json')));
  if (dir === undefined) {
    throw new PfmError(
      'CONFIG_INVALID',
      `cannot package ${name}: it is not installed under ${from} (run npm ci)`,
    );
  }
  return dir;
}

/** The files of onnxruntime-node's one Lambda platform; throws when the installed package lacks them. */
export function onnxRuntimeBinaryDir(ortDir: string = packageDir('onnxruntime-node')): string {
  const napi = readdirSync(join(ortDir, 'bin')).find((d) => d.startsWith('napi-v'));
  const dir = napi && join(ortDir, 'bin', napi, ONNX_PLATFORM.platform, ONNX_PLATFORM.arch);
  if (!dir || !existsSync(join(dir, 'onnxruntime_binding.node'))) {
    throw new PfmError(
      'CONFIG_INVALID',
      `onnxruntime-node in ${ortDir} has no ${ONNX_PLATFORM.platform}-${ONNX_PLATFORM.arch} binding; reinstall it (npm ci)`,
    );
  }
  return dir;
}

/**
 * Shell commands (run by the bundler after esbuild, from the project root) that turn esbuild's single
 * `index.mjs` into the deployment package: the bundle moved to its entry's folder, the Avro schemas,
 * optionally the model artifacts, and optionally onnxruntime-node reduced to its linux-x64 binary.
 *
 * onnxruntime-node is copied from the project's installed node_modules rather than installed by the
 * bundler (`bundling.nodeModules` runs `npm ci`, which needs the registry): synth stays offline, and only
 * the one platform's files are ever copied (about 46 MB of the package's 288 MB).
 */
export function packageLayoutCommands(
  inputDir: string,
  outputDir: string,
  contents: PackageContents,
): string[] {
  const out = (...parts: string[]) => shellQuote(posix.join(outputDir, ...parts));
  const src = (...parts: string[]) => shellQuote(posix.join(inputDir, ...parts));
  const dir = bundleDir(contents.entry);
  const commands = [
    `mkdir -p ${out(dir)}`,
    `mv ${out('index.mjs')} ${out(dir, 'index.mjs')}`,
    `mkdir -p ${out('schemas')}`,
    `cp ${src('schemas')}/*.avsc ${out('schemas')}/`,
  ];
  if (contents.model) {
    commands.push(
      `mkdir -p ${out('model', 'artifacts')}`,
      `cp -R ${src('model', 'artifacts')}/. ${out('model', 'artifacts')}/`,
    );
  }
  if (contents.onnxRuntime) {
    // Resolved on this machine, then addressed relative to the bundler's input folder (the project root,
    // which a Docker bundler mounts elsewhere).
    const ortDir = packageDir('onnxruntime-node');
    const commonDir = packageDir('onnxruntime-common', ortDir);
    const fromInput = (dir: string, ...parts: string[]) =>
      src(toPosix(relative(PROJECT_ROOT, dir)), ...parts);
    const binRelative = toPosix(relative(ortDir, onnxRuntimeBinaryDir(ortDir)));
    const ortOut = posix.join('node_modules', 'onnxruntime-node');
    const commonOut = posix.join('node_modules', 'onnxruntime-common');
    commands.push(
      `mkdir -p ${out(ortOut, binRelative)} ${out(ortOut, 'dist')} ${out(commonOut)}`,
      `cp ${fromInput(ortDir, 'package.json')} ${out(ortOut)}/`,
      `cp ${fromInput(ortDir, 'dist')}/*.js ${out(ortOut, 'dist')}/`,
      `cp ${fromInput(ortDir, binRelative)}/* ${out(ortOut, binRelative)}/`,
      `cp ${fromInput(commonDir, 'package.json')} ${out(commonOut)}/`,
      `cp -R ${fromInput(commonDir, 'dist')} ${out(commonOut)}/`,
    );
  }
  return commands;
}
