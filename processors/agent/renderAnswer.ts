import { FAILURE_MODES } from '../inference/types.js';
import type { QuestionPlan } from './parseQuestion.js';
import type {
  DriftStatusResult,
  FleetSummaryResult,
  MachineHistoryResult,
  MachineRiskOut,
  MaintenancePlanResult,
  PeriodOut,
  PredictionOut,
  ToolCall,
  ToolResult,
  TopAtRiskResult,
} from './types.js';

/** One planned call and what it gave: a result, or the error message that refused or failed it. */
export interface ToolOutcome {
  call: ToolCall;
  result?: ToolResult;
  error?: string;
}

const n = (x: number) => x.toLocaleString('en-US');
const f3 = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
const short = (isoTime: string) => isoTime.replace('.000Z', 'Z');

function periodText(p: PeriodOut): string {
  return `${p.name.replaceAll('_', ' ')} (${short(p.from)} to ${short(p.to)})`;
}

function modeCounts(counts: Record<string, number>): string {
  const parts = FAILURE_MODES.filter((m) => (counts[m] ?? 0) > 0)
    .sort((a, b) => (counts[b] ?? 0) - (counts[a] ?? 0))
    .map((m) => `${m} ${n(counts[m] ?? 0)}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

function codeCounts(counts: Record<string, number>): string {
  const parts = Object.entries(counts).map(([code, k]) => `${code} ${n(k)}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

function latestLine(m: MachineRiskOut): string {
  const l = m.latest;
  const delta = (l.processTemperatureK - l.airTemperatureK).toFixed(1);
  return `latest ${short(l.time)}: risk ${f3(l.risk)}, torque ${l.torqueNm} Nm, ${n(l.rotationalSpeedRpm)} rpm, ${l.powerKw} kW, tool wear ${l.toolWearMin} min, process-air ${delta} K${l.predictedModes.length > 0 ? `, flagged ${l.predictedModes.join('+')}` : ''}`;
}

function machineBlock(m: MachineRiskOut, indent: string): string[] {
  return [
    `${m.machine} (type ${m.type}, ${m.firmware}): risk ${f3(m.risk)} over its latest readings, peak ${f3(m.peakRisk)}, ${n(m.alarms)} alarm(s) in ${n(m.readings)} readings; leading mode ${m.leadingMode} (${f3(m.leadingModeProbability)})`,
    ...m.drivers.map((d) => `${indent}- ${d}`),
    `${indent}${latestLine(m)}`,
  ];
}

function renderSummary(r: FleetSummaryResult): string[] {
  const lines = [`Fleet, ${periodText(r.period)}:`];
  if (r.predictions === 0) return [...lines, `  ${r.note ?? 'no predictions.'}`];
  lines.push(
    `  ${n(r.predictions)} predictions from ${n(r.machines)} machines, ${short(r.firstReading ?? '')} to ${short(r.lastReading ?? '')}`,
    `  ${n(r.alarms)} alarm(s) on ${n(r.machinesWithAlarms)} machine(s); mean risk ${f3(r.meanRisk)}; readings flagged per mode: ${modeCounts(r.flaggedByMode)}`,
    `  quarantined records: ${n(r.quarantined)}${codeCounts(r.quarantinedByCode)}; model version(s): ${r.modelVersions.join(', ') || 'none'}`,
  );
  if (r.fleetMeans) {
    const m = r.fleetMeans;
    lines.push(
      `  fleet means: torque ${m.torqueNm} Nm, ${n(m.rotationalSpeedRpm)} rpm, tool wear ${m.toolWearMin} min, air ${m.airTemperatureK} K, process ${m.processTemperatureK} K`,
    );
  }
  return lines;
}

function renderTop(r: TopAtRiskResult): string[] {
  const lines = [
    `Most at risk${r.mode ? ` of ${r.mode}` : ''}, ${periodText(r.period)} — ranked by ${r.rankedBy}:`,
  ];
  if (r.machines.length === 0) return [...lines, `  ${r.note ?? 'no machines.'}`];
  for (const m of r.machines) {
    const [head, ...rest] = machineBlock(m, '     ');
    lines.push(`  ${String(m.rank).padStart(2)}. ${head}`, ...rest);
  }
  return lines;
}

function predictionLine(p: PredictionOut): string {
  return `${short(p.time)}  risk ${f3(p.risk)}${p.alarm ? ' ALARM' : ''}${p.predictedModes.length > 0 ? ` ${p.predictedModes.join('+')}` : ''}  torque ${p.torqueNm} Nm, ${n(p.rotationalSpeedRpm)} rpm, wear ${p.toolWearMin} min, air ${p.airTemperatureK} K, process ${p.processTemperatureK} K`;
}

function renderHistory(r: MachineHistoryResult): string[] {
  const lines = [`${r.machine}, ${periodText(r.period)}:`];
  if (!r.summary) return [...lines, `  ${r.note ?? 'no predictions.'}`];
  const [head, ...rest] = machineBlock(r.summary, '  ');
  lines.push(`  ${head}`, ...rest);
  lines.push(
    `  seen ${short(r.summary.firstSeen)} to ${short(r.summary.lastSeen)}; readings flagged per mode: ${modeCounts(r.summary.flaggedByMode)}`,
  );
  lines.push(
    `  latest ${r.recent.length} reading(s), newest first:`,
    ...r.recent.map((p) => `    ${predictionLine(p)}`),
  );
  if (r.alarms.length > 0) {
    lines.push(
      `  latest ${r.alarms.length} alarm(s) (predicted failures), newest first:`,
      ...r.alarms.map((p) => `    ${predictionLine(p)}`),
    );
  } else {
    lines.push('  no alarms (predicted failures) in the period');
  }
  const quarantined = Object.values(r.quarantinedByCode).reduce((a, b) => a + b, 0);
  if (quarantined > 0)
    lines.push(`  quarantined records: ${n(quarantined)}${codeCounts(r.quarantinedByCode)}`);
  return lines;
}

function renderDrift(r: DriftStatusResult): string[] {
  const lines = [`Drift, ${periodText(r.period)}:`];
  if (r.note) lines.push(`  ${r.note}`);
  for (const s of r.scopes) {
    const features = s.topFeatures
      .map(
        (f) =>
          `${f.feature} PSI ${f.psi.toFixed(3)}, mean shift ${f.meanShift >= 0 ? '+' : ''}${f.meanShift.toFixed(2)} sd${f.breached ? ' (breached)' : ''}`,
      )
      .join('; ');
    lines.push(
      `  ${s.scope}: ${s.state} after the window ending ${short(s.windowEnd)} (model ${s.modelVersion}); ${features}`,
    );
  }
  if (r.available) {
    const w = r.windowsByState;
    lines.push(`  windows evaluated in the period: OK ${n(w.OK)}, WARN ${n(w.WARN)}, DRIFT ${n(w.DRIFT)}`);
  }
  if (!r.events.available) {
    lines.push(`  events: not available (${r.events.reason ?? 'no event history'})`);
  } else if (r.events.items.length === 0) {
    lines.push('  no drift or retraining events in the period');
  } else {
    lines.push(
      `  latest ${r.events.items.length} event(s), ${r.events.retrainingRecommended} retraining recommendation(s):`,
    );
    for (const e of r.events.items) {
      lines.push(
        `    ${short(e.time)}  ${e.type}  ${e.scope}: ${e.previousState} -> ${e.state}, ${e.severity}, rule ${e.rule}${e.features.length > 0 ? `; features ${e.features.join(', ')}` : ''}`,
      );
    }
  }
  return lines;
}

function minutesText(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${h} h` : `${h} h ${minutes % 60} min`;
}

function renderPlan(r: MaintenancePlanResult): string[] {
  if (!r.available) return [`Maintenance plan: not available (${r.reason ?? 'no forecast'}).`];
  const lines = [
    `Maintenance plan for the next ${r.withinHours} h from the latest reading (${short(r.asOf ?? '')}); forecast by ${r.model}, due when a forecastable failure reaches p ${r.dueLevel}:`,
  ];
  if (r.machines.length === 0) lines.push(`  no machine is due within ${r.withinHours} h.`);
  for (const m of r.machines) {
    const action = m.action
      ? `do first: ${m.action.do} -> p ${f3(m.action.probabilityWithinNoticeAfter)} within ${r.noticeHours} h, ${f3(m.action.probabilityWithinHorizonAfter)} within ${r.horizonHours} h${m.action.dueAtAfter ? `, due ${short(m.action.dueAtAfter)}` : ', not due within the horizon'}`
      : 'no listed action (replace the tool, lower the load) puts it off';
    lines.push(
      `  ${String(m.rank).padStart(2)}. ${m.machine} (type ${m.type}): due ${short(m.dueAt)} (in ${minutesText(m.dueInMinutes)}), ${m.leadingMode ?? 'no single mode'}, p ${f3(m.probabilityWithin)} within the window; tool wear ${m.toolWearMin} min`,
      `      ${action}`,
    );
  }
  lines.push(
    `  later: ${n(r.dueLater)} machine(s) due after the window within ${r.horizonHours} h, ${n(r.notDue)} not due within ${r.horizonHours} h`,
  );
  for (const m of r.notEnoughData) lines.push(`  not enough data: ${m.machine}: ${m.reason}`);
  for (const m of r.notForecast) lines.push(`  ${m.mode}: ${m.note}`);
  if (r.note) lines.push(`  ${r.note}`);
  return lines;
}

function renderResult(r: ToolResult): string[] {
  switch (r.tool) {
    case 'fleet_summary':
      return renderSummary(r);
    case 'top_at_risk':
      return renderTop(r);
    case 'machine_history':
      return renderHistory(r);
    case 'drift_status':
      return renderDrift(r);
    case 'maintenance_plan':
      return renderPlan(r);
  }
}

function callText(c: ToolCall): string {
  const args = Object.entries(c.input)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
  return `${c.name}(${args})`;
}

/**
 * The local answer: a labelled, deterministic summary of the tool results (no language model), each section
 * with the numbers it used, then what was read from the question and which tools ran.
 */
export function renderLocalAnswer(args: {
  plan: QuestionPlan;
  outcomes: readonly ToolOutcome[];
  source: string;
}): string {
  const lines = [
    `Local answer (no language model): fixed patterns read the question and the tools queried ${args.source}; every number below comes from the store.`,
    '',
  ];
  for (const o of args.outcomes) {
    if (o.result) lines.push(...renderResult(o.result), '');
    else lines.push(`${callText(o.call)} refused: ${o.error ?? 'unknown error'}`, '');
  }
  const read = [
    args.plan.machines.length > 0 ? `machine(s) ${args.plan.machines.join(', ')}` : undefined,
    args.plan.period ? `period ${args.plan.period}` : 'no period (default last_24_hours)',
    args.plan.limit !== undefined ? `top ${args.plan.limit}` : undefined,
    args.plan.mode ? `mode ${args.plan.mode}` : undefined,
  ].filter((x) => x !== undefined);
  for (const note of args.plan.notes) lines.push(`Note: ${note}`);
  lines.push(`Read from the question: ${read.join('; ')}.`);
  lines.push(`Tools: ${args.outcomes.map((o) => callText(o.call)).join(', ')}.`);
  return lines.join('\n');
}
