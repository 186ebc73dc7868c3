import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { PfmError } from '../kernel/errors.js';
import { bundleDir } from './bundling.js';
import type { PfmStackSettings } from './config.js';
import { LAMBDA_ENTRIES } from './constants.js';
import type { PfmFunction } from './constructs/PfmFunction.js';
import { cdkJsonFeatureFlags } from './featureFlags.js';
import { PfmStack } from './PfmStack.js';

/** A stack synthesized with its functions really bundled, and the folder of its cloud assembly. */
export interface BundledStack {
  stack: PfmStack;
  assemblyDir: string;
  /** Milliseconds the synth (with bundling) took. */
  synthMs: number;
}

/** Synthesizes the stack into a fresh temporary cloud assembly, running every function's bundling. */
export function synthesizeBundled(settings: PfmStackSettings = {}): BundledStack {
  const outdir = mkdtempSync(join(tmpdir(), 'pfm-cdk-out-'));
  const started = performance.now();
  // Asset metadata names each function's staged folder in the template (the CLI turns it on; App does not).
  const app = new App({
    outdir,
    context: { ...cdkJsonFeatureFlags(), [cxapi.ASSET_RESOURCE_METADATA_ENABLED_CONTEXT]: true },
  });
  const stack = new PfmStack(app, 'PfmStack', { settings });
  const assembly = app.synth();
  return { stack, assemblyDir: assembly.directory, synthMs: performance.now() - started };
}

/** The staged asset folder of one function of a synthesized stack. */
export function functionAssetDir(bundled: BundledStack, fn: PfmFunction): string {
  const cfn = fn.function.node.defaultChild as lambda.CfnFunction;
  const stack = Stack.of(fn);
  const logicalId = stack.resolve(stack.getLogicalId(cfn)) as string;
  const template = JSON.parse(readFileSync(join(bundled.assemblyDir, stack.templateFile), 'utf8')) as {
    Resources: Record<string, { Metadata?: Record<string, string> }>;
  };
  const assetPath = template.Resources[logicalId]?.Metadata?.['aws:asset:path'];
  if (assetPath === undefined) {
    throw new PfmError('CONFIG_INVALID', `function ${logicalId} has no staged asset (was bundling skipped?)`);
  }
  return join(bundled.assemblyDir, assetPath);
}

/** Bytes and files under a folder (what Lambda counts against its 250 MB unzipped limit). */
export function directorySize(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    bytes += statSync(join(entry.parentPath, entry.name)).size;
    files += 1;
  }
  return { bytes, files };
}

/** Copies a staged asset to a fresh folder outside the project, so nothing resolves from its node_modules. */
export function copyToCleanFolder(assetDir: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pfm-bundle-'));
  cpSync(assetDir, dir, { recursive: true });
  return dir;
}

/** The bundled handler file of an entry point inside a (copied) package. */
export function bundledHandlerFile(packageDir: string, entry: string = LAMBDA_ENTRIES.inference): string {
  return join(packageDir, bundleDir(entry), 'index.mjs');
}

/** What one run of a bundled handler in a separate Node process gave. */
export interface BundleRun {
  result: unknown;
  /** From process start to the handler module being loaded (the cold start's init phase). */
  initMs: number;
  /** The handler call alone. */
  invokeMs: number;
  stdout: string;
  stderr: string;
}

const RUNNER = `
import { pathToFileURL } from 'node:url';
const t0 = performance.now();
const mod = await import(pathToFileURL(process.env.PFM_PROBE_HANDLER).href);
const t1 = performance.now();
let input = '';
for await (const chunk of process.stdin) input += chunk;
const result = await mod.handler(JSON.parse(input));
const t2 = performance.now();
process.stdout.write('\\n@@PFM_PROBE@@' + JSON.stringify({ result, initMs: t1 - t0, invokeMs: t2 - t1 }) + '\\n');
`;

/**
 * Loads a bundled handler in a fresh `node` process whose working directory is the package folder and whose
 * environment holds only `env` (and PATH), calls it once with `event`, and returns what it answered.
 */
export function runBundledHandler(opts: {
  packageDir: string;
  handlerFile: string;
  env: Record<string, string>;
  event: unknown;
  timeoutMs?: number;
}): Promise<BundleRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', RUNNER], {
      cwd: opts.packageDir,
      env: { PATH: process.env.PATH ?? '', ...opts.env, PFM_PROBE_HANDLER: opts.handlerFile },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const marker = stdout.lastIndexOf('@@PFM_PROBE@@');
      if (code !== 0 || marker < 0) {
        reject(
          new PfmError(
            'CONFIG_INVALID',
            `bundled handler run failed (exit ${code ?? signal}):\n${stderr.slice(-4_000)}\n${stdout.slice(-2_000)}`,
          ),
        );
        return;
      }
      const line = stdout.slice(marker + '@@PFM_PROBE@@'.length).split('\n')[0] ?? '';
      const parsed = JSON.parse(line) as { result: unknown; initMs: number; invokeMs: number };
      resolve({ ...parsed, stdout: stdout.slice(0, marker), stderr });
    });
    child.stdin.end(JSON.stringify(opts.event));
  });
}

/**
 * A loopback stand-in for InfluxDB's v1 `/write` endpoint: accepts every write and keeps its lines. Its `/query`
 * answers as an empty database does (no series), which is what the sink's read before write finds first.
 */
export interface InfluxStandIn {
  url: string;
  /** Line-protocol lines received, in order. */
  lines: string[];
  /** Query strings of the writes (db, precision). */
  queries: URLSearchParams[];
  close(): Promise<void>;
}

/** Starts an {@link InfluxStandIn} on 127.0.0.1 and a free port. */
export async function startInfluxStandIn(): Promise<InfluxStandIn> {
  const lines: string[] = [];
  const queries: URLSearchParams[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      if (req.method === 'POST' && url.pathname === '/write') {
        queries.push(url.searchParams);
        lines.push(...body.split('\n').filter((l) => l.length > 0));
        res.writeHead(204).end();
        return;
      }
      if (url.pathname === '/query') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"results":[{"statement_id":0}]}');
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    lines,
    queries,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
