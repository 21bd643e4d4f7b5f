export { readQueueSignals, toSignals, validateQueueName, type QueueCounts, type QueueSignals, type ReadSignalsOptions, type RawSignals } from './signals.ts';
export { QueueError, invalidArgument } from './errors.ts';
