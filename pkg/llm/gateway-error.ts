import { PilotfishError } from '#pkg/errors/index.ts';
import type { LlmError } from './errors.ts';
import type { Outcome } from './gateway.ts';

/** A failure that reached the caller: the error (its code too) plus how far the call got. */
export class GatewayError extends PilotfishError {
  readonly error: LlmError;
  readonly outcome: Outcome;
  constructor(error: LlmError, outcome: Outcome) {
    super(error.code, error.message, { cause: error });
    this.name = 'GatewayError';
    this.error = error;
    this.outcome = outcome;
  }
}
