import type { Queue } from 'bullmq';
import type { Metrics } from '#pkg/metrics/index.ts';
import { queueTelemetry, type QueueTelemetry } from './telemetry.ts';
import { QueueError } from './errors.ts';

const INSTRUMENTED = Symbol.for('pilotfish.queue.instrumented');

export interface ProducerInstrumentation {
  readonly telemetry: QueueTelemetry;
  /** Restores the queue's own add/addBulk. */
  stop(): void;
}

/**
 * Counts jobs a `Queue` adds (`bullmq_jobs_enqueued_total`) and failed adds
 * (`bullmq_enqueue_errors_total`), by wrapping `add` and `addBulk` on the
 * instance. No extra Redis command.
 */
export function instrumentQueue(queue: Queue, options: { metrics: Metrics }): ProducerInstrumentation {
  const marked = queue as unknown as Record<symbol, boolean>;
  if (marked[INSTRUMENTED]) throw new QueueError('already_instrumented', `queue ${queue.name} is already instrumented: adds would count twice`);
  marked[INSTRUMENTED] = true;
  const telemetry = queueTelemetry(options.metrics, queue.name);
  const target = queue as unknown as { add: Queue['add']; addBulk: Queue['addBulk'] };
  const add = target.add;
  const addBulk = target.addBulk;
  const wrappedAdd: Queue['add'] = async function (this: unknown, ...args) {
    try {
      const job = await add.apply(queue, args);
      telemetry.enqueued(1, Date.now());
      return job;
    } catch (err) {
      telemetry.enqueueFailed();
      throw err;
    }
  };
  const wrappedBulk: Queue['addBulk'] = async function (this: unknown, ...args) {
    try {
      const jobs = await addBulk.apply(queue, args);
      telemetry.enqueued(jobs.length, Date.now());
      return jobs;
    } catch (err) {
      telemetry.enqueueFailed();
      throw err;
    }
  };
  target.add = wrappedAdd;
  target.addBulk = wrappedBulk;
  return {
    telemetry,
    stop() {
      marked[INSTRUMENTED] = false;
      if (target.add === wrappedAdd) delete (target as Partial<typeof target>).add;
      if (target.addBulk === wrappedBulk) delete (target as Partial<typeof target>).addBulk;
      if (target.add !== add) target.add = add;
      if (target.addBulk !== addBulk) target.addBulk = addBulk;
    },
  };
}
