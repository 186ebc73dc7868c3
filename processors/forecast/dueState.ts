/**
 * When a machine counts as "due" and when a MaintenanceDue event goes out. A machine becomes due when its
 * probability of a forecastable failure within the notice window reaches the due level, and stays due
 * until that probability falls below the (lower) release level, so a probability hovering at the level
 * does not flicker. The event goes out once per machine and tool: when the machine becomes due and no
 * event has gone out for the tool it has now; a new tool (its wear fell back) makes a new event possible.
 */

/** The due rule: levels of the probability within the notice window. */
export interface DueRule {
  level: number;
  releaseLevel: number;
}

/** What is remembered about a machine between forecasts. */
export interface DueMemory {
  due: boolean;
  /** Tool wear at the last forecast, to see a replacement (wear falling back). */
  toolWearMin: number;
  /** Counts the tools seen on this machine; part of the event id. */
  tool: number;
  /** A MaintenanceDue event went out for the current tool. */
  notified: boolean;
}

/** The machine's due state after a forecast, and whether to notify now. */
export function nextDueState(
  previous: DueMemory | undefined,
  probabilityWithinNotice: number,
  toolWearMin: number,
  rule: DueRule,
): { memory: DueMemory; notify: boolean } {
  const newTool = previous !== undefined && toolWearMin < previous.toolWearMin / 2;
  const tool = previous === undefined ? 0 : previous.tool + (newTool ? 1 : 0);
  const wasDue = previous?.due === true && !newTool;
  const due = wasDue ? probabilityWithinNotice >= rule.releaseLevel : probabilityWithinNotice >= rule.level;
  const notifiedBefore = previous?.notified === true && !newTool;
  const notify = due && !wasDue && !notifiedBefore;
  return { memory: { due, toolWearMin, tool, notified: notifiedBefore || notify }, notify };
}
