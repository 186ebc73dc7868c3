import { PfmError } from '../../kernel/errors.js';

/** Why the simulator refused its input. */
export const SIMULATOR_ERROR_CODES = ['INVALID_SIMULATOR_OPTIONS', 'INVALID_DRIFT_SPEC'] as const;
export type SimulatorErrorCode = (typeof SIMULATOR_ERROR_CODES)[number];

/** Bad simulator configuration; never retryable, since the same input fails the same way. */
export class SimulatorError extends PfmError {
  declare readonly code: SimulatorErrorCode;
  constructor(code: SimulatorErrorCode, message: string) {
    super(code, message, { retryable: false });
    this.name = 'SimulatorError';
  }
}
