import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { PfmError } from '../../kernel/errors.js';
import { createAgentRuntimeClient } from '../../processors/agent/agentRuntimeClient.js';
import { answerLocally } from '../../processors/agent/answerLocally.js';
import { type AgentToolUse, askAgent } from '../../processors/agent/askAgent.js';
import { createAgentTools } from '../../processors/agent/core.js';
import { LocalEventHistory } from '../../processors/agent/LocalEventHistory.js';
import { EVENT_LOG_FILE } from '../../processors/events/LocalEventLog.js';
import { DuckDbHistorySource } from '../../processors/forecast/DuckDbHistorySource.js';
import { createForecaster } from '../../processors/forecast/forecaster.js';
import { parseCommandArgs } from './args.js';
import { openRunStore, resolveRunDir } from './dataDir.js';

const HELP = `pfm ask — ask about the fleet: which machines are at risk and why, what happened to one, drift

Usage: pfm ask "which machines are most at risk this week, and why?" [options]

With a Bedrock agent configured (PFM_AGENT_ID and PFM_AGENT_ALIAS_ID, or the flags) the question goes to the
agent and its answer streams back; the tool calls it made follow on stderr. Without one, the question is
answered on this machine from the store a run filled: fixed patterns read machine ids (M-0042), periods
(today, yesterday, this week, last week, last N hours/days) and "top N", the same tools the agent uses run
read-only, and the answer is a labelled summary with the numbers it used. No language model is involved.
"What should we service before the night shift?" runs the failure forecast (see pfm forecast --help).

Options:
  --data DIR        local answers: the data directory (its latest run) or one run's folder
                    (default ./pfm-data or PFM_DATA_DIR)
  --local           answer locally even when an agent is configured
  --agent-id ID     Bedrock agent id (PFM_AGENT_ID)
  --alias-id ID     agent alias id (PFM_AGENT_ALIAS_ID)
  --session ID      continue a conversation (PFM_AGENT_SESSION_ID; default: a new session)
  --region R        the agent's region (AWS_REGION)
  --endpoint URL    Bedrock Agent Runtime endpoint (PFM_AGENT_ENDPOINT), e.g. a local stand-in
  --timeout S       seconds to wait for the agent (default 120)
  --now ISO         local answers: resolve periods at this instant (to replay an older run)
  --json            print the answer and the tool results as one JSON object
  --help            this help`;

function timeoutMs(text: string | undefined): number {
  const s = Number(text ?? '120');
  if (!Number.isFinite(s) || s <= 0 || s > 3600)
    throw new PfmError('CONFIG_INVALID', `--timeout must be 1-3600 seconds, got "${text}"`);
  return Math.round(s * 1000);
}

function nowFrom(text: string | undefined): number {
  if (text === undefined) return Date.now();
  const t = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || !Number.isFinite(t))
    throw new PfmError(
      'CONFIG_INVALID',
      `--now must be an ISO-8601 instant such as 2026-01-05T12:00:00Z, got "${text}"`,
    );
  return t;
}

function toolSummary(call: AgentToolUse): string {
  const args = Object.entries(call.parameters)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const r = call.result as
    | { error?: { message?: string }; machines?: unknown[]; predictions?: number }
    | undefined;
  let outcome = '';
  if (r && typeof r === 'object') {
    if (r.error) outcome = ` -> error: ${r.error.message ?? 'unknown'}`;
    else if (Array.isArray(r.machines)) outcome = ` -> ${r.machines.length} machine(s)`;
    else if (typeof r.predictions === 'number') outcome = ` -> ${r.predictions} prediction(s)`;
  }
  return `${call.function}(${args})${outcome}`;
}

/** `pfm ask "question"`: the Bedrock agent when one is configured, else a local answer from the store. */
export async function askCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'ask',
    argv,
    {
      data: { type: 'string' },
      local: { type: 'boolean', default: false },
      'agent-id': { type: 'string' },
      'alias-id': { type: 'string' },
      session: { type: 'string' },
      region: { type: 'string' },
      endpoint: { type: 'string' },
      timeout: { type: 'string' },
      now: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    { allowPositionals: true },
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const question = positionals.join(' ').trim();
  if (!question) {
    console.error(HELP);
    return 1;
  }
  const agentId = values['agent-id'] ?? process.env.PFM_AGENT_ID;
  const agentAliasId = values['alias-id'] ?? process.env.PFM_AGENT_ALIAS_ID;
  if (!values.local && (agentId || agentAliasId)) {
    if (!agentId || !agentAliasId) {
      throw new PfmError(
        'CONFIG_INVALID',
        'an agent needs both an id and an alias id (PFM_AGENT_ID and PFM_AGENT_ALIAS_ID)',
      );
    }
    return askBedrock({ question, agentId, agentAliasId, values });
  }
  return askLocal(question, values);
}

async function askBedrock(args: {
  question: string;
  agentId: string;
  agentAliasId: string;
  values: { session?: string; region?: string; endpoint?: string; timeout?: string; json?: boolean };
}): Promise<number> {
  const { values } = args;
  const endpoint = values.endpoint ?? process.env.PFM_AGENT_ENDPOINT;
  const region = values.region ?? process.env.AWS_REGION;
  const client = createAgentRuntimeClient({
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
  });
  const sessionId = values.session ?? process.env.PFM_AGENT_SESSION_ID ?? `pfm-${randomUUID()}`;
  const stream = !values.json;
  try {
    const answer = await askAgent({
      client,
      agentId: args.agentId,
      agentAliasId: args.agentAliasId,
      sessionId,
      question: args.question,
      timeoutMs: timeoutMs(values.timeout),
      ...(stream ? { onText: (piece: string) => process.stdout.write(piece) } : {}),
    });
    if (values.json) {
      console.log(JSON.stringify({ mode: 'agent', ...answer }));
      return 0;
    }
    process.stdout.write('\n');
    if (answer.toolCalls.length > 0) {
      console.error(`Tools the agent used: ${answer.toolCalls.map(toolSummary).join('; ')}`);
    } else {
      console.error('The agent used no tools for this answer.');
    }
    for (const failure of answer.failures) console.error(`Agent trace reported a failure: ${failure}`);
    console.error(`Session ${answer.sessionId} (pass --session ${answer.sessionId} to continue it).`);
    return 0;
  } finally {
    client.destroy();
  }
}

async function askLocal(
  question: string,
  values: { data?: string; now?: string; json?: boolean },
): Promise<number> {
  const now = nowFrom(values.now);
  const runDir = resolveRunDir(values.data);
  const { store, path } = await openRunStore(runDir);
  // The model is loaded only if a question needs the forecast (maintenance_plan).
  const forecasts = createForecaster(new DuckDbHistorySource(store.database));
  try {
    const tools = createAgentTools({
      queries: store.periodQueries,
      events: new LocalEventHistory(join(runDir, EVENT_LOG_FILE)),
      forecasts,
      now: () => now,
    });
    const answer = await answerLocally({ question, tools, source: path });
    if (values.json) {
      console.log(JSON.stringify({ mode: 'local', plan: answer.plan, outcomes: answer.outcomes }));
    } else {
      console.log(answer.text);
    }
    return answer.outcomes.some((o) => o.result !== undefined) ? 0 : 1;
  } finally {
    await forecasts.close();
    await store.close();
  }
}
