import type { LlmError } from './errors.ts';
import type { Outcome } from './gateway.ts';

/** A failure that reached the caller: the error plus how far the call got. */
export class GatewayError extends Error {
  readonly error: LlmError;
  readonly outcome: Outcome;
  constructor(error: LlmError, outcome: Outcome) {
    super(error.message, { cause: error });
    this.name = 'GatewayError';
    this.error = error;
    this.outcome = outcome;
  }
}
