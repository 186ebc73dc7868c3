import { PfmError } from '../../kernel/errors.js';
import { emptyFleetWindow } from './fleetWindow.js';
import type { MonitorState, StoredDriftState } from './types.js';
import { decodeWindow, encodeWindow } from './window.js';

/** A stored state for a monitor that has seen nothing. */
export function initialStoredState(monitor: MonitorState): StoredDriftState {
  return { version: 2, monitor, fleet: emptyFleetWindow((monitor.lastSeq ?? 0) + 1), pending: null };
}

/** Serializes the stored state; the fleet window in the compact window encoding. */
export function encodeStoredState(state: StoredDriftState): string {
  const { window, ...fleet } = state.fleet;
  return JSON.stringify({ ...state, fleet: { ...fleet, window: JSON.parse(encodeWindow(window)) } });
}

/** Parses encodeStoredState's output; throws STORE_CORRUPT naming what is wrong. */
export function decodeStoredState(text: string, where: string): StoredDriftState {
  const corrupt = (why: string): never => {
    throw new PfmError('STORE_CORRUPT', `${where}: drift state ${why}`);
  };
  let raw: { version?: unknown; monitor?: MonitorState; fleet?: Record<string, unknown>; pending?: unknown };
  try {
    raw = JSON.parse(text);
  } catch {
    return corrupt('is not JSON');
  }
  if (raw.version !== 2) return corrupt(`has unknown version ${String(raw.version)}`);
  if (raw.monitor?.version !== 1) return corrupt('has no monitor state of version 1');
  const fleet = raw.fleet;
  if (typeof fleet !== 'object' || fleet === null || !Number.isSafeInteger(fleet.seq))
    return corrupt('has no fleet window');
  let window: StoredDriftState['fleet']['window'];
  try {
    window = decodeWindow(JSON.stringify(fleet.window));
  } catch (error) {
    return corrupt(`has a malformed fleet window (${(error as Error).message})`);
  }
  return {
    ...(raw as unknown as StoredDriftState),
    fleet: { ...(fleet as unknown as StoredDriftState['fleet']), window },
  };
}
