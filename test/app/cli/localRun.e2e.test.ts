import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_DIR_FILES, RUN_FILES } from '../../../app/pipeline/runFiles.js';
import type { DriftEvent } from '../../../processors/drift/types.js';
import { EVENT_LOG_FILE } from '../../../processors/events/LocalEventLog.js';
import type { MaintenanceDueEvent } from '../../../processors/forecast/maintenanceDue.js';
import { openDuckDbStore } from '../../../processors/store/openDuckDbStore.js';
import { runPfm } from '../../helpers/pfmCli.js';

// What a user does, as the user does it: `npm start` (the default run, 48 h of a 50-machine fleet ending now,
// with the README's drift example), a second `npm start` in the same folder while the first runs, a later
// third run, and the README's `pfm ask` questions over what the first one left.

const ROOT = join(import.meta.dirname, '../../..');
const README_QUESTIONS = [
  'which machines are most at risk this week, and why?',
  'what happened to M-0042 yesterday?',
  'any drift or retraining today?',
] as const;
const README_DRIFT = ['--drift', 'torqueNm:offset:8@50%', '--drift', 'airTemperatureK:stuck:M-0003@+0s'];

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];

/** `npm start -- ARGS` from the repository, in its own process group (so teardown stops npm and its node). */
function npmStart(args: string[]): Started {
  const child = spawn('npm', ['start', '--', ...args], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    err += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function until(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The closing line's counts: N records in = S scored + Q quarantined + D dead-lettered. */
function accounting(stdout: string): { produced: number; scored: number; quarantined: number; dead: number } {
  const m =
    /pfm run: ([\d,]+) records in = ([\d,]+) scored \+ ([\d,]+) quarantined \+ ([\d,]+) dead-lettered \(all accounted for\)/.exec(
      stdout,
    );
  if (!m) throw new Error(`no accounting line in:\n${stdout.slice(-2000)}`);
  const n = (s: string | undefined) => Number((s ?? '').replaceAll(',', ''));
  return { produced: n(m[1]), scored: n(m[2]), quarantined: n(m[3]), dead: n(m[4]) };
}

async function storeCounts(runDir: string): Promise<{ predictions: number; quarantined: number }> {
  const store = await openDuckDbStore(join(runDir, RUN_FILES.store), { readOnly: true });
  try {
    const [p] = await store.database.query('SELECT count(*)::INTEGER AS n FROM predictions');
    const [q] = await store.database.query('SELECT count(*)::INTEGER AS n FROM quarantine');
    return { predictions: Number(p?.n), quarantined: Number(q?.n) };
  } finally {
    await store.close();
  }
}

const runsOf = (dataDir: string) => readdirSync(join(dataDir, DATA_DIR_FILES.runs)).sort();

describe('npm start, as a user runs it', () => {
  let dataDir: string;
  let first: Started;
  let second: Started;
  let secondCode: number | null;
  let firstCode: number | null;
  let holderPid: number;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pfm-npm-start-'));
    first = npmStart(['--no-ui', '--data', dataDir, ...README_DRIFT]);
    // The first run holds the data directory once it says where its data goes.
    await until(() => /pfm run: data in /.test(first.stderr()), 'the first run to start', 120_000);
    holderPid = JSON.parse(readFileSync(join(dataDir, DATA_DIR_FILES.lock), 'utf8')).pid;
    second = npmStart(['--no-ui', '--data', dataDir, '--records', '200']);
    secondCode = await second.exited;
    firstCode = await first.exited;
  }, 540_000);

  afterAll(() => {
    for (const child of children) {
      if (child.exitCode === null && child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses the second run while the first writes, in one line naming the first: pid, command, start time', () => {
    expect(secondCode).not.toBe(0);
    const ours = second
      .stderr()
      .split('\n')
      .filter((l) => l.startsWith('pfm run:'));
    expect(ours).toHaveLength(1);
    expect(ours[0]).toMatch(
      new RegExp(
        `is in use by another run: pid ${holderPid} \\(pfm run --no-ui --data \\S+ --drift torqueNm:offset:8@50% .*\\) on \\S+, started \\d{4}-\\d\\d-\\d\\dT`,
      ),
    );
    // Refused before anything started: no banner, no run folder of its own.
    expect(second.stderr()).not.toContain('pfm run: data in');
    expect(runsOf(dataDir).length).toBeGreaterThanOrEqual(1);
  });

  it('finishes the first run with all its rows in its store, and no npm warning', async () => {
    expect(firstCode).toBe(0);
    const counts = accounting(first.stdout());
    const [runId] = runsOf(dataDir);
    const stored = await storeCounts(join(dataDir, DATA_DIR_FILES.runs, runId as string));
    expect(stored.predictions).toBe(counts.scored);
    expect(stored.quarantined).toBe(counts.quarantined);
    expect(stored.predictions + stored.quarantined + counts.dead).toBe(counts.produced);
    // The default run: 48 h of 50 machines each reading every 5-10 min.
    expect(counts.produced).toBeGreaterThan(15_000);
    expect(`${first.stdout()}${first.stderr()}${second.stdout()}${second.stderr()}`).not.toMatch(/npm warn/i);
  });

  it("raises the README drift example's torque drift event", () => {
    const [runId] = runsOf(dataDir);
    const events = readFileSync(join(dataDir, DATA_DIR_FILES.runs, runId as string, EVENT_LOG_FILE), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as DriftEvent);
    const torque = events.find(
      (e) =>
        e.detailType === 'FeatureDriftDetected' &&
        e.detail.scope.kind === 'fleet' &&
        e.detail.topFeatures.some((f) => f.feature === 'torque_nm'),
    );
    expect(torque).toBeDefined();
  });

  it('ends with the maintenance forecast, its MaintenanceDue events logged once per machine and tool', () => {
    const said = /MaintenanceDue events: ([\d,]+) this run \([\d,]+ from the last forecast\), in (\S+)/.exec(
      first.stdout(),
    );
    expect(said, first.stdout().slice(-3000)).not.toBeNull();
    const [runId] = runsOf(dataDir);
    const path = join(dataDir, DATA_DIR_FILES.runs, runId as string, RUN_FILES.maintenanceEvents);
    expect(said?.[2]).toBe(path);
    const events = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as MaintenanceDueEvent);
    // 48 h of a 50-machine fleet with the README's torque drift: some machines are near a tool's end of life.
    expect(events.length).toBeGreaterThan(0);
    expect(events.length).toBe(Number(said?.[1]));
    expect(new Set(events.map((e) => e.detail.eventId)).size).toBe(events.length);
    for (const e of events) {
      expect(e).toMatchObject({ source: 'pfm.forecast', detailType: 'MaintenanceDue' });
      expect(e.detail.noticeProbability).toBeGreaterThanOrEqual(e.detail.dueLevel);
    }
  });

  it.each(README_QUESTIONS)('answers the README question "%s" with data', async (question) => {
    const answer = await runPfm(['ask', question, '--data', dataDir, '--json']);
    expect(answer.status).toBe(0);
    const { outcomes } = JSON.parse(answer.stdout) as {
      outcomes: { result?: Record<string, unknown>; error?: string }[];
    };
    expect(outcomes.length).toBeGreaterThan(0);
    for (const o of outcomes) {
      expect(o.error).toBeUndefined();
      const r = o.result as Record<string, unknown>;
      switch (r.tool) {
        case 'top_at_risk':
          expect((r.machines as unknown[]).length).toBeGreaterThan(0);
          break;
        case 'machine_history':
          expect((r.summary as { readings: number }).readings).toBeGreaterThan(100);
          break;
        case 'drift_status': {
          const w = r.windowsByState as Record<string, number>;
          expect((w.OK ?? 0) + (w.WARN ?? 0) + (w.DRIFT ?? 0)).toBeGreaterThan(0);
          break;
        }
        case 'fleet_summary':
          expect(r.predictions).toBeGreaterThan(0);
          break;
      }
    }
  });

  it("keeps the first run's data when another run follows, and reads the latest run by default", async () => {
    const [firstRun] = runsOf(dataDir);
    const before = await storeCounts(join(dataDir, DATA_DIR_FILES.runs, firstRun as string));
    const third = npmStart(['--no-ui', '--data', dataDir, '--records', '300', '--bogus']);
    // An unknown flag is refused before anything is written: still one run.
    expect(await third.exited).not.toBe(0);
    expect(runsOf(dataDir)).toEqual([firstRun]);
    const later = npmStart(['--no-ui', '--data', dataDir, '--records', '300']);
    expect(await later.exited).toBe(0);
    const runs = runsOf(dataDir);
    expect(runs).toHaveLength(2);
    expect(runs[0]).toBe(firstRun);
    expect(await storeCounts(join(dataDir, DATA_DIR_FILES.runs, firstRun as string))).toEqual(before);
    expect(await storeCounts(join(dataDir, DATA_DIR_FILES.runs, runs[1] as string))).toMatchObject({
      predictions: accounting(later.stdout()).scored,
    });
    const top = await runPfm(['top', '--data', dataDir, '--limit', '3']);
    expect(top.status).toBe(0);
    expect(top.stdout).toContain(runs[1]);
    expect(top.stdout).toContain('predictions, reading time');
  }, 300_000);
});
