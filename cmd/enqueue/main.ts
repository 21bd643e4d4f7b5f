// Enqueues N render jobs at a given rate, for demos and load:
//   npm run enqueue -- --count 1000 --rate 200 [--queue render] [--batch 50]
//                      [--delay-ms 0] [--priority 0] [--bad-ratio 0] [--attempts 1]
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { batchSchedule, instrumentQueue } from '#pkg/queue/index.ts';
import { sampleRenderJob } from '#pkg/render/index.ts';
import { createLogger, secrets } from '#pkg/log/index.ts';
import { Metrics } from '#pkg/metrics/index.ts';
import { loadConfig, str } from '#pkg/config/index.ts';
import { runMain } from '#pkg/http/index.ts';

await runMain(async () => {
  const env = loadConfig({ REDIS_URL: str({ default: 'redis://127.0.0.1:6379' }), RENDER_QUEUE: str({ default: 'render' }), BULLMQ_PREFIX: str({ default: 'bull' }) });
  secrets.addUrlPassword(env.REDIS_URL);
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '100' },
      rate: { type: 'string', default: '50' },
      batch: { type: 'string', default: '' },
      queue: { type: 'string', default: env.RENDER_QUEUE },
      'delay-ms': { type: 'string', default: '0' },
      priority: { type: 'string', default: '0' },
      'bad-ratio': { type: 'string', default: '0' },
      attempts: { type: 'string', default: '1' },
    },
  });
  const count = Number(values.count);
  const rate = Number(values.rate);
  const batch = values.batch ? Number(values.batch) : Math.max(1, Math.min(100, Math.round(rate / 10) || 100));
  const delay = Number(values['delay-ms']);
  const priority = Number(values.priority);
  const badRatio = Number(values['bad-ratio']);
  const attempts = Number(values.attempts);
  if (!(badRatio >= 0 && badRatio <= 1)) throw new Error('--bad-ratio must be between 0 and 1');
  if (!Number.isInteger(delay) || delay < 0 || !Number.isInteger(priority) || priority < 0 || !Number.isInteger(attempts) || attempts < 1) {
    throw new Error('--delay-ms and --priority must be integers >= 0, --attempts an integer >= 1');
  }
  const schedule = batchSchedule(count, rate, batch); // validates count, rate, batch
  const logger = createLogger({ name: 'enqueue' });
  const metrics = new Metrics({ defaultMetrics: false });
  const connection = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null, protocol: 2 });
  const queue = new Queue(values.queue, { connection, prefix: env.BULLMQ_PREFIX });
  const producer = instrumentQueue(queue, { metrics });
  const t0 = Date.now();
  let i = 0;
  for (const step of schedule) {
    const wait = t0 + step.at - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const jobs = Array.from({ length: step.size }, () => {
      const n = i++;
      return { name: 'render', data: sampleRenderJob(n, badRatio > 0 && (n * 0.618034) % 1 < badRatio), opts: { delay: delay || undefined, priority: priority || undefined, attempts, removeOnComplete: 1000, removeOnFail: 5000 } };
    });
    await queue.addBulk(jobs);
  }
  const seconds = (Date.now() - t0) / 1000;
  logger.info({ queue: values.queue, enqueued: i, seconds, perSec: seconds > 0 ? i / seconds : i, enqueuedPerSec1m: producer.telemetry.stats().enqueuedPerSec['1m'] }, 'enqueued');
  await queue.close();
  await connection.quit();
});
