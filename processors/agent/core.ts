import { PfmError } from '../../kernel/errors.js';
import type { ToolName } from './constants.js';
import { clip } from './periods.js';
import { driftStatus } from './tools/driftStatus.js';
import { fleetSummary } from './tools/fleetSummary.js';
import { machineHistory } from './tools/machineHistory.js';
import { maintenancePlan } from './tools/maintenancePlan.js';
import { topAtRisk } from './tools/topAtRisk.js';
import type {
  AgentToolDeps,
  DriftStatusResult,
  FleetSummaryResult,
  MachineHistoryResult,
  MaintenancePlanResult,
  ToolResult,
  TopAtRiskResult,
} from './types.js';

/** The maintenance agent's tools: raw parameters in (validated here), compact JSON results out. */
export interface AgentTools {
  /** Runs a tool by name; throws INVALID_TOOL_INPUT for bad parameters, store errors as they come. */
  run(name: ToolName, raw: unknown): Promise<ToolResult>;
  fleetSummary(raw: unknown): Promise<FleetSummaryResult>;
  topAtRisk(raw: unknown): Promise<TopAtRiskResult>;
  machineHistory(raw: unknown): Promise<MachineHistoryResult>;
  driftStatus(raw: unknown): Promise<DriftStatusResult>;
  maintenancePlan(raw: unknown): Promise<MaintenancePlanResult>;
}

/** Builds the tools (one module each, in tools/) over the injected store port, event history and clock. */
export function createAgentTools(deps: AgentToolDeps): AgentTools {
  const tools = {
    fleetSummary: (raw: unknown) => fleetSummary(deps, raw),
    topAtRisk: (raw: unknown) => topAtRisk(deps, raw),
    machineHistory: (raw: unknown) => machineHistory(deps, raw),
    driftStatus: (raw: unknown) => driftStatus(deps, raw),
    maintenancePlan: (raw: unknown) => maintenancePlan(deps, raw),
  };
  const byName: Record<ToolName, (raw: unknown) => Promise<ToolResult>> = {
    fleet_summary: tools.fleetSummary,
    top_at_risk: tools.topAtRisk,
    machine_history: tools.machineHistory,
    drift_status: tools.driftStatus,
    maintenance_plan: tools.maintenancePlan,
  };
  return {
    ...tools,
    run: (name, raw) => {
      // Own properties only: "toString" or "constructor" must not reach Object.prototype.
      const tool = Object.hasOwn(byName, name) ? byName[name] : undefined;
      if (!tool)
        return Promise.reject(new PfmError('INVALID_TOOL_INPUT', `unknown tool "${clip(String(name))}"`));
      return tool(raw);
    },
  };
}
