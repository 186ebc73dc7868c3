import { PfmError } from '../../kernel/errors.js';
import type { FailureMode } from '../inference/types.js';
import { QUERY_BOUNDS } from '../store/queries/inputs.js';
import type { ToolCall } from './types.js';

/** Longest question the local planner reads. */
export const MAX_LOCAL_QUESTION_CHARS = 2_000;
/** Machines one question may name. */
export const MAX_MACHINES_PER_QUESTION = 5;
/** How many machines a risk question lists when it does not say. */
export const DEFAULT_TOP = 5;

/** What the fixed patterns read from a question, and the tool calls they lead to. */
export interface QuestionPlan {
  machines: string[];
  period: string | undefined;
  limit: number | undefined;
  mode: FailureMode | undefined;
  calls: ToolCall[];
  /** Things the planner changed or left out, said in the answer. */
  notes: string[];
}

// Ids as the simulator names machines (M-0042); "M-42" and "machine 42" mean the same machine.
const MACHINE_ID = /\b([a-z])-(\d{1,6})\b/gi;
const MACHINE_NUMBER = /\b(?:machine|mill|device)\s+#?(\d{1,4})\b/gi;

const PERIODS: { pattern: RegExp; period: (m: RegExpExecArray) => string }[] = [
  { pattern: /\btoday\b/, period: () => 'today' },
  { pattern: /\byesterday\b/, period: () => 'yesterday' },
  { pattern: /\bthis\s+week\b/, period: () => 'this_week' },
  { pattern: /\blast\s+week\b/, period: () => 'last_week' },
  {
    pattern: /\b(?:last|past|previous)\s+(\d{1,6})\s*(minutes?|mins?|hours?|hrs?|h|days?|d|weeks?)\b/,
    period: (m) => {
      const n = Number(m[1]);
      const unit = m[2] ?? '';
      if (unit.startsWith('w')) return `last_${n * 7}_days`;
      if (unit.startsWith('m')) return `last_${n}_minutes`;
      if (unit.startsWith('h')) return `last_${n}_hours`;
      return `last_${n}_days`;
    },
  },
  { pattern: /\b(?:last|past)\s+hour\b/, period: () => 'last_1_hours' },
  { pattern: /\b(?:last|past)\s+day\b|\b24\s*(?:hours|h)\b/, period: () => 'last_24_hours' },
  { pattern: /\bpast\s+week\b/, period: () => 'last_7_days' },
];

const MODES: { pattern: RegExp; mode: FailureMode }[] = [
  { pattern: /\b(?:osf|overstrain\w*|over-strain\w*)\b/, mode: 'OSF' },
  { pattern: /\b(?:pwf|power)\b/, mode: 'PWF' },
  { pattern: /\b(?:hdf|heat|dissipation|overheat\w*)\b/, mode: 'HDF' },
  { pattern: /\b(?:twf|tool\s+wear|worn\s+tools?)\b/, mode: 'TWF' },
  { pattern: /\b(?:rnf|random)\b/, mode: 'RNF' },
];

const LIMIT = /\btop\s+(\d{1,9})\b|\b(\d{1,9})\s+(?:machines|mills|devices|riskiest|worst)\b/;
const DRIFT = /\b(?:drift\w*|retrain\w*|sensor\s+faults?|data\s+shift|model\s+health|events?)\b/;
const RISK =
  /\b(?:at[\s-]?risk|risk\w*|top|worst|most\s+likely|likely\s+to\s+fail|about\s+to\s+fail|fail\w*|alarms?|attention|why)\b/;
const SUMMARY = /\b(?:summary|summar\w+|overview|fleet|how\s+many|status|totals?)\b/;
const MAINTENANCE =
  /\b(?:servic\w*|maintenance|maintain|shifts?|due|plan\w*|schedul\w*|forecast\w*|will\s+(?:\w+\s+)?fail|next\s+\d{1,2}\s*(?:hours?|hrs?|h))\b/;
const NEXT_HOURS = /\b(?:next|coming|within)\s+(\d{1,3})\s*(?:hours?|hrs?|h)\b/;

function machineId(letter: string, digits: string): string {
  return `${letter.toUpperCase()}-${digits.length < 4 ? digits.padStart(4, '0') : digits}`;
}

/**
 * Reads a question with fixed patterns only — machine ids, a period, "top N", a failure-mode word, and whether
 * it is about risk, drift or the fleet — and plans the tool calls that answer it. Nothing else in the text is
 * used, so no part of a question can reach a query except values the tools validate.
 */
export function parseQuestion(question: string): QuestionPlan {
  if (question.length > MAX_LOCAL_QUESTION_CHARS) {
    throw new PfmError(
      'INVALID_TOOL_INPUT',
      `the question is longer than ${MAX_LOCAL_QUESTION_CHARS} characters`,
    );
  }
  const text = question.toLowerCase();
  const notes: string[] = [];

  const machines: string[] = [];
  for (const m of question.matchAll(MACHINE_ID)) {
    const id = machineId(m[1] ?? '', m[2] ?? '');
    if (!machines.includes(id)) machines.push(id);
  }
  for (const m of question.matchAll(MACHINE_NUMBER)) {
    const id = machineId('M', m[1] ?? '');
    if (!machines.includes(id)) machines.push(id);
  }
  if (machines.length > MAX_MACHINES_PER_QUESTION) {
    notes.push(
      `Only the first ${MAX_MACHINES_PER_QUESTION} of the ${machines.length} machines named are looked up.`,
    );
    machines.length = MAX_MACHINES_PER_QUESTION;
  }

  let period: string | undefined;
  for (const p of PERIODS) {
    const m = p.pattern.exec(text);
    if (m) {
      period = p.period(m);
      break;
    }
  }

  let limit: number | undefined;
  const l = LIMIT.exec(text);
  if (l) {
    const asked = Number(l[1] ?? l[2]);
    limit = Math.min(Math.max(asked, 1), QUERY_BOUNDS.maxLimit);
    if (asked !== limit) notes.push(`Asked for ${asked} machines; answers list ${limit} at most.`);
  }

  const mode = MODES.find((m) => m.pattern.test(text))?.mode;
  const wantsDrift = DRIFT.test(text);
  const wantsRisk = RISK.test(text) || mode !== undefined || limit !== undefined;
  const wantsSummary = SUMMARY.test(text);
  const wantsPlan = MAINTENANCE.test(text);

  const withPeriod = period === undefined ? {} : { period };
  const calls: ToolCall[] = [];
  if (wantsSummary && machines.length === 0) calls.push({ name: 'fleet_summary', input: { ...withPeriod } });
  for (const machine of machines) {
    calls.push({ name: 'machine_history', input: { machine_id: machine, ...withPeriod } });
  }
  if (wantsRisk && machines.length === 0) {
    calls.push({
      name: 'top_at_risk',
      input: { ...withPeriod, limit: limit ?? DEFAULT_TOP, ...(mode ? { mode } : {}) },
    });
  }
  if (wantsDrift) calls.push({ name: 'drift_status', input: { ...withPeriod } });
  if (wantsPlan) {
    const hours = NEXT_HOURS.exec(text);
    const within = hours ? Math.min(Math.max(Number(hours[1]), 1), 72) : undefined;
    if (hours === null && /\bshifts?\b/.test(text)) {
      notes.push(
        'Shift times are not known here: planned for the next 8 h (a shift) from the latest reading.',
      );
    }
    calls.push({ name: 'maintenance_plan', input: within === undefined ? {} : { within_hours: within } });
  }
  if (calls.length === 0) {
    notes.push('The question named no machine, risk, drift or summary: here is the fleet overview.');
    calls.push({ name: 'fleet_summary', input: { ...withPeriod } });
    calls.push({ name: 'top_at_risk', input: { ...withPeriod, limit: DEFAULT_TOP } });
  }
  return { machines, period, limit, mode, calls, notes };
}
