import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MachinesView, StatusView } from '../../../app/dashboard/types.js';
import { STORE_FILE } from '../../../processors/store/constants.js';
import { openDuckDbStore } from '../../../processors/store/openDuckDbStore.js';
import { makePrediction } from '../../fixtures/predictions.js';

// `pfm ui` in a child process, as a person runs it: prints the URL, serves a finished run read-only, stops on
// SIGTERM with exit code 0.

const ROOT = join(import.meta.dirname, '../../..');
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pfm-dash-ui-'));
  const store = await openDuckDbStore(join(dataDir, STORE_FILE));
  await store.predictionSink.writePredictions(Array.from({ length: 5 }, (_, i) => makePrediction(i)));
  await store.close();
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function ui(args: string[]): {
  child: ChildProcess;
  stdout: Promise<string>;
  exit: Promise<number | null>;
  stderr: () => string;
} {
  const script = `import { uiCommand } from './app/cli/ui.ts';
try { process.exitCode = await uiCommand(${JSON.stringify(args)}); }
catch (e) { console.error(e.message); process.exitCode = 1; }`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d) => {
    err += String(d);
  });
  const stdout = new Promise<string>((resolve) => {
    let out = '';
    child.stdout?.on('data', (d) => {
      out += String(d);
      if (out.includes('\n')) resolve(out.trim());
    });
    child.on('exit', () => resolve(out.trim()));
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout, exit, stderr: () => err };
}

describe('pfm ui', () => {
  it('serves a finished run read-only until SIGTERM', async () => {
    const run = ui(['--data', dataDir, '--port', '0']);
    try {
      const url = await run.stdout;
      expect(url, run.stderr()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const status = (await (await fetch(new URL('/api/status', url))).json()) as StatusView;
      expect(status).toMatchObject({ mode: 'finished', dataDir, pipeline: { scored: 5 } });
      const machines = (await (await fetch(new URL('/api/machines', url))).json()) as MachinesView;
      expect(machines.machines.map((m) => m.deviceId)).toEqual(['M-0001']);
      run.child.kill('SIGTERM');
      expect(await run.exit).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('explains when a running pipeline holds the store, or when there is none', async () => {
    const writer = await openDuckDbStore(join(dataDir, STORE_FILE));
    try {
      const held = ui(['--data', dataDir, '--port', '0']);
      expect(await held.exit).toBe(1);
      expect(held.stderr()).toMatch(
        /is still being written by a running pipeline; its live dashboard shows it/,
      );
    } finally {
      await writer.close();
    }
    const empty = mkdtempSync(join(tmpdir(), 'pfm-dash-ui-empty-'));
    try {
      const none = ui(['--data', empty]);
      expect(await none.exit).toBe(1);
      expect(none.stderr()).toMatch(/no run with data in .* run "npm start" first/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    const bad = ui(['--data', dataDir, '--port', '70000']);
    expect(await bad.exit).toBe(1);
    expect(bad.stderr()).toMatch(/--port must be/);
  });
});
