import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { askCommand } from '../../../app/cli/ask.js';
import { type PipelineSummary, runLocalPipeline } from '../../../app/pipeline/localPipeline.js';
import { createAgentTools } from '../../../processors/agent/core.js';
import { createActionGroupHandler } from '../../../processors/agent/handler.js';
import { LocalEventHistory } from '../../../processors/agent/LocalEventHistory.js';
import type { DriftEvent } from '../../../processors/drift/types.js';
import { EVENT_LOG_FILE, LocalEventLog } from '../../../processors/events/LocalEventLog.js';
import { STORE_FILE } from '../../../processors/store/constants.js';
import { type DuckDbStore, openDuckDbStore } from '../../../processors/store/openDuckDbStore.js';
import { BedrockAgentStandIn, type PlannedCall, toolUsingAgent } from '../../helpers/bedrockAgentStandIn.js';

// A simulated morning: 10 machines, one reading a minute each from 08:00 UTC; from 09:40 M-0003's torque sensor
// reads 20 Nm high, so its power (torque x speed) climbs past the 9 kW power-failure limit.
const START = Date.UTC(2026, 0, 5, 8);
const DRIFT_FROM = START + 100 * 60_000;
const NOW = '2026-01-05T12:00:00Z';

let dataDir: string;
let summary: PipelineSummary;

/** Runs askCommand, capturing what it prints. */
async function ask(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    out += `${a.join(' ')}\n`;
  });
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
    err += `${a.join(' ')}\n`;
  });
  try {
    const code = await askCommand(args);
    return { code, out, err };
  } finally {
    write.mockRestore();
    log.mockRestore();
    error.mockRestore();
  }
}

const local = (question: string, ...flags: string[]) =>
  ask([question, '--data', dataDir, '--now', NOW, ...flags]);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pfm-ask-'));
  vi.stubEnv('PFM_AGENT_ID', '');
  vi.stubEnv('PFM_AGENT_ALIAS_ID', '');
  summary = await runLocalPipeline({
    dataDir,
    machines: 10,
    records: 2000,
    rate: 0,
    shards: 1,
    seed: 3,
    poisonRate: 0.005,
    batchSize: 500,
    batchingWindowMs: 20,
    startTime: START,
    intervalMs: 60_000,
    drift: [{ feature: 'torqueNm', kind: 'offset', amount: 20, machines: ['M-0003'], fromTime: DRIFT_FROM }],
  });
});
afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(dataDir, { recursive: true, force: true });
});

async function predictionCount(): Promise<number> {
  const store = await openDuckDbStore(join(dataDir, STORE_FILE), { readOnly: true });
  try {
    return (await store.periodQueries.dataSpan()).predictions;
  } finally {
    await store.close();
  }
}

describe('the injected fault', () => {
  it("raises M-0003's risk once its torque sensor drifts", async () => {
    expect(summary.accountedFor).toBe(true);
    const store = await openDuckDbStore(join(dataDir, STORE_FILE), { readOnly: true });
    try {
      const risk = await store.database.query(
        `SELECT (time >= epoch_ms($from::BIGINT)) AS drifting, avg(p_any) AS risk, avg(p_pwf) AS pwf
         FROM predictions WHERE device_id = 'M-0003' GROUP BY 1 ORDER BY 1`,
        { from: DRIFT_FROM },
      );
      const [before, after] = risk.map((r) => ({ risk: Number(r.risk), pwf: Number(r.pwf) }));
      expect(after?.risk).toBeGreaterThan(0.5);
      expect(after?.pwf).toBeGreaterThan(0.5);
      expect(before?.risk).toBeLessThan(0.3);
    } finally {
      await store.close();
    }
  });
});

describe('pfm ask, locally (no agent configured)', () => {
  it('names the machine at risk first, with the mode and readings behind it', async () => {
    const { code, out } = await local('which machines are most at risk today, and why?');
    expect(code).toBe(0);
    expect(out).toMatch(/^Local answer \(no language model\)/);
    expect(out).toMatch(/Most at risk, today \(2026-01-05T00:00:00Z to 2026-01-05T12:00:00.001Z\)/);
    expect(out).toMatch(/ {2}1\. M-0003 \(type \w[^)]*\): risk \d\.\d{3} .*leading mode PWF/);
    expect(out).toMatch(
      /PWF: latest power \d+\.\d+ kW \(torque \d+\.\d Nm at [\d,]+ rpm\) is (above|inside|below) the 3\.5-9 kW band/,
    );
    expect(out).toMatch(/torque averages \d+\.\d Nm, \d\.\d sd above the fleet's/);
    expect(out).toMatch(/Tools: top_at_risk\(period=today, limit=5\)\./);
    // Five machines listed, as "top 5" by default.
    expect(out.match(/^ {2,3}\d\. M-\d{4}/gm)).toHaveLength(5);
  });

  it('tells what happened to one machine: summary, latest readings, alarms', async () => {
    const { code, out } = await local('what happened to M-3 today?');
    expect(code).toBe(0);
    expect(out).toMatch(/^M-0003, today/m);
    expect(out).toMatch(/latest 10 reading\(s\), newest first:/);
    expect(out).toMatch(
      /latest 10 alarm\(s\) \(predicted failures\), newest first:\n {4}2026-01-05T\d\d:\d\d:\d\d\.\d+Z {2}risk \d\.\d{3} ALARM PWF/,
    );
    expect(out).toMatch(/Read from the question: machine\(s\) M-0003; period today\./);
  });

  it('says plainly when the period holds nothing, and what the store does hold', async () => {
    const { out } = await local('what happened to M-0003 yesterday?');
    expect(out).toMatch(
      /No predictions for M-0003 in yesterday .* the store holds \d+ predictions from 2026-01-05T08:/,
    );
  });

  it("reports the drift monitor's state and events as the run stored them", async () => {
    const { out } = await local('any drift or retraining this week?');
    const store = await openDuckDbStore(join(dataDir, STORE_FILE), { readOnly: true });
    const week = { from: Date.UTC(2026, 0, 5), to: Date.parse(NOW) + 1 };
    const status = await store.periodQueries
      .driftStatus({ range: week, features: 5 })
      .finally(() => store.close());
    // The run's drift monitor evaluated the fleet (2 windows of 1,000 readings).
    expect(status.scopes.map((s) => s.scope)).toContain('fleet');
    for (const s of status.scopes) {
      expect(out).toContain(
        `  ${s.scope}: ${s.state} after the window ending ${new Date(s.windowEnd).toISOString().replace('.000Z', 'Z')}`,
      );
    }
    const w = status.windowsByState;
    expect(out).toContain(`windows evaluated in the period: OK ${w.OK}, WARN ${w.WARN}, DRIFT ${w.DRIFT}`);
    const events = LocalEventLog.open<DriftEvent>(join(dataDir, EVENT_LOG_FILE)).read();
    if (events.length === 0) expect(out).toMatch(/no drift or retraining events in the period/);
    for (const e of events) {
      expect(out).toContain(
        `${e.time.replace('.000Z', 'Z')}  ${e.detailType}  ${e.detail.scope.kind === 'fleet' ? 'fleet' : `quality:${e.detail.scope.id}`}: ${e.detail.decision.previousState} -> ${e.detail.decision.state}`,
      );
    }
  });

  it('prints the plan and the tool results as JSON, never more rows than asked', async () => {
    const { out } = await local('show M-0003 and machine 5 today', '--json');
    const answer = JSON.parse(out);
    expect(answer.mode).toBe('local');
    expect(answer.outcomes.map((o: { result: { machine: string } }) => o.result.machine)).toEqual([
      'M-0003',
      'M-0005',
    ]);
    for (const o of answer.outcomes) {
      expect(o.result.recent.length).toBeLessThanOrEqual(10);
      expect(o.result.alarms.length).toBeLessThanOrEqual(10);
    }
  });

  it('uses only the machine id of an injection attempt, and the store is unchanged', async () => {
    const before = await predictionCount();
    const { code, out } = await local("what happened to M-0001'; DROP TABLE predictions; -- today");
    expect(code).toBe(0);
    expect(out).toMatch(/^M-0001, today/m);
    expect(out).toMatch(/Tools: machine_history\(machine_id=M-0001, period=today\)\./);
    expect(out).not.toMatch(/DROP/);
    expect(await predictionCount()).toBe(before);
  });

  it('caps "top 10000" at 50 rows and says so', async () => {
    const { out } = await local('top 10000 machines at risk today');
    expect(out).toMatch(/Note: Asked for 10000 machines; answers list 50 at most\./);
    expect(out).toMatch(/top_at_risk\(period=today, limit=50\)/);
    // The fleet has 10 machines: all of them, no more.
    expect(out.match(/^ {2,3}\d+\. M-\d{4}/gm)).toHaveLength(10);
  });

  it('refuses a period out of bounds in the answer, with exit code 1 when nothing could be answered', async () => {
    const { code, out } = await local('what happened to M-0003 in the last 999 days?');
    expect(code).toBe(1);
    expect(out).toMatch(
      /machine_history\(machine_id=M-0003, period=last_999_days\) refused: period "last_999_days": N must be from 1 to 366 days/,
    );
  });

  it('fails clearly without a store', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'pfm-ask-empty-'));
    try {
      await expect(ask(['anything at risk?', '--data', empty])).rejects.toThrow(
        /no run with data in .*run "npm start" first/,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('pfm ask, through a Bedrock agent (stand-in on 127.0.0.1, real action-group handler)', () => {
  let standIn: BedrockAgentStandIn;
  let store: DuckDbStore;

  beforeAll(async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    store = await openDuckDbStore(join(dataDir, STORE_FILE), { readOnly: true });
    const tools = createAgentTools({
      queries: store.periodQueries,
      events: new LocalEventHistory(join(dataDir, EVENT_LOG_FILE)),
      now: () => Date.parse(NOW),
    });
    const handler = createActionGroupHandler({ tools: async () => tools });
    // The scripted "model": a machine id in the question means its history, anything else the top 3.
    const plan = (text: string): PlannedCall[] => {
      const id = /machine (\S+)/.exec(text)?.[1];
      return id
        ? [{ function: 'machine_history', parameters: { machine_id: id, period: 'today' } }]
        : [{ function: 'top_at_risk', parameters: { period: 'today', limit: 3 } }];
    };
    const compose = (results: { call: PlannedCall; body: string }[]) =>
      results
        .map(({ body }) => {
          const r = JSON.parse(body);
          if (r.error) return `I could not look that up: ${r.error.message}`;
          if (r.machines)
            return `Most at risk today: ${r.machines.map((m: { machine: string; leadingMode: string }) => `${m.machine} (${m.leadingMode})`).join(', ')}.`;
          return `${r.machine}: ${r.summary.alarms} alarms today.`;
        })
        .join(' ');
    standIn = await BedrockAgentStandIn.start(toolUsingAgent({ handler, plan, compose, chunkSize: 7 }));
  });
  afterAll(async () => {
    await standIn.stop();
    await store.close();
  });
  afterEach(() => {
    standIn.turns.length = 0;
  });

  const agentArgs = () => [
    '--agent-id',
    'AGENT12345',
    '--alias-id',
    'TSTALIASID',
    '--endpoint',
    standIn.endpoint,
    '--region',
    'us-east-1',
  ];

  it('streams the agent answer and lists the tools it used', async () => {
    const { code, out, err } = await ask([
      'which machines are most at risk?',
      ...agentArgs(),
      '--session',
      'ops-1',
    ]);
    expect(code).toBe(0);
    expect(out).toMatch(/^Most at risk today: M-0003 \(PWF\), M-\d{4} \(\w{3}\), M-\d{4} \(\w{3}\)\.\n$/);
    expect(err).toMatch(/Tools the agent used: top_at_risk\(period=today, limit=3\) -> 3 machine\(s\)/);
    expect(err).toMatch(/Session ops-1/);
    expect(standIn.turns[0]).toMatchObject({
      sessionId: 'ops-1',
      enableTrace: true,
      streamFinalResponse: true,
      signed: true,
    });
  });

  it('takes the agent from PFM_AGENT_ID and PFM_AGENT_ALIAS_ID, and --local overrides it', async () => {
    vi.stubEnv('PFM_AGENT_ID', 'AGENT12345');
    vi.stubEnv('PFM_AGENT_ALIAS_ID', 'TSTALIASID');
    vi.stubEnv('PFM_AGENT_ENDPOINT', standIn.endpoint);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    try {
      const viaEnv = await ask(['which machines are most at risk?', '--json']);
      expect(JSON.parse(viaEnv.out)).toMatchObject({
        mode: 'agent',
        text: expect.stringMatching(/^Most at risk today: M-0003/),
      });
      const forced = await local('which machines are most at risk today?', '--local');
      expect(forced.out).toMatch(/^Local answer/);
      expect(standIn.turns).toHaveLength(1);
    } finally {
      vi.stubEnv('PFM_AGENT_ID', '');
      vi.stubEnv('PFM_AGENT_ALIAS_ID', '');
    }
  });

  it('a model that passes an injected machine id gets a refusal, and the agent says so', async () => {
    const before = await predictionCount();
    const { out, err } = await ask(["what about machine M-0001';DROP-TABLE-predictions;--", ...agentArgs()]);
    expect(out).toMatch(/I could not look that up: machine_history: machine_id must be letters, digits/);
    expect(err).toMatch(
      /machine_history\(machine_id=M-0001';DROP-TABLE-predictions;--, period=today\) -> error: machine_history: machine_id must be/,
    );
    expect(await predictionCount()).toBe(before);
  });

  it('needs both an agent id and an alias id', async () => {
    await expect(ask(['hi', '--agent-id', 'AGENT12345'])).rejects.toThrow(/both an id and an alias id/);
  });
});
