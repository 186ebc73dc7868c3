import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// A plain `npm ci`, `npm start` or `npx pfm` prints no npm warning (npm 11): nothing in .npmrc that npm does
// not know (it warns on every command about unknown project config), and every dependency with an install
// script reviewed in package.json's allowScripts (npm ci warns about the rest).

const ROOT = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  allowScripts?: Record<string, boolean>;
};
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; hasInstallScript?: boolean }>;
};

describe('a quiet install', () => {
  it('covers every locked dependency with an install script in allowScripts', () => {
    const withScripts = Object.entries(lock.packages)
      .filter(([, p]) => p.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts.length).toBeGreaterThan(0);
    for (const name of withScripts) expect(pkg.allowScripts, name).toHaveProperty([name]);
  });

  it("denies onnxruntime-node's install script: it would download CUDA binaries (the CPU ones ship in the package)", () => {
    expect(pkg.allowScripts?.['onnxruntime-node']).toBe(false);
    expect(
      existsSync(join(ROOT, 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node')),
    ).toBe(true);
  });

  it('keeps no project .npmrc key npm does not know', () => {
    const npmrc = join(ROOT, '.npmrc');
    const keys = existsSync(npmrc)
      ? readFileSync(npmrc, 'utf8')
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l && !l.startsWith('#') && !l.startsWith(';'))
          .map((l) => l.split('=')[0]?.trim())
      : [];
    expect(keys).not.toContain('onnxruntime-node-install');
  });

  it('npx pfm prints its usage and no npm warning', () => {
    const run = spawnSync('npx', ['--no-install', 'pfm', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('pfm run');
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/npm warn/i);
  });
});
