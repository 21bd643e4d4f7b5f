// k6 load on the render queue through the app: render jobs enqueued with
// POST /api/render at a constant arrival rate, while one VU watches the
// worker's health API (GET /v1/queues/{queue}) for backlog, oldest ready age
// and lag; after the load, teardown waits for the queue to drain and records
// how long that took.
//
//   REDIS_URL=redis://127.0.0.1:6379 npm start            # app + worker on Redis; prints a dev key
//   k6 run -e APP_API_KEY=dev-... load/queue.js           # 20 jobs/s for 1 min
//   k6 run -e APP_API_KEY=... -e RATE=200 -e DURATION=5m -e WORKER_URL=http://127.0.0.1:9464 load/queue.js
//
// Knobs: APP_URL, APP_API_KEY (its principal needs render:submit and a
// render:submit rate limit above RATE per APP_RATE_LIMIT_WINDOW), WORKER_URL
// (the worker's admin listener, default http://127.0.0.1:9464), RENDER_QUEUE
// (render), RATE (jobs per second, 20), DURATION (1m), VUS (pre-allocated
// VUs for the arrival rate, 10), POLL_SECONDS (health API poll period, 2),
// DRAIN_TIMEOUT_SECONDS (teardown's wait for an empty queue, 60),
// P95_ENQUEUE_MS (200), MAX_BACKLOG (the most ready jobs seen while loading,
// 1000), MAX_OLDEST_AGE_SECONDS (30), MAX_REJECTED (0), SUMMARY_FILE.
import http from 'k6/http';
import { check, sleep } from 'k6';
import { Counter, Rate, Trend } from 'k6/metrics';
import { APP_API_KEY, APP_URL, baseThresholds, env, envNumber, header } from './lib/config.js';
import { summarize } from './lib/summary.js';

const WORKER_URL = env('WORKER_URL', 'http://127.0.0.1:9464');
const QUEUE = env('RENDER_QUEUE', 'render');
const RATE = envNumber('RATE', 20);
const DURATION = env('DURATION', '1m');
const POLL_SECONDS = envNumber('POLL_SECONDS', 2);
const DRAIN_TIMEOUT_SECONDS = envNumber('DRAIN_TIMEOUT_SECONDS', 60);

if (!APP_API_KEY) throw new Error('APP_API_KEY is required (npm start prints a development key)');
if (!(RATE > 0)) throw new Error(`RATE must be above 0, got ${RATE}`);

const enqueued = new Counter('render_enqueued');
const rejected = new Counter('render_rejected');
const enqueueDuration = new Trend('render_enqueue_duration', true);
const backlog = new Trend('render_ready_backlog');
const oldestAge = new Trend('render_oldest_ready_age_seconds');
const lagP95 = new Trend('render_lag_p95_seconds');
const drained = new Rate('render_drained');
const drainSeconds = new Trend('render_drain_seconds');

export const options = {
  scenarios: {
    enqueue: { executor: 'constant-arrival-rate', rate: RATE, timeUnit: '1s', duration: DURATION, preAllocatedVUs: envNumber('VUS', 10), exec: 'enqueue' },
    observe: { executor: 'constant-vus', vus: 1, duration: DURATION, exec: 'observe' },
  },
  thresholds: {
    ...baseThresholds(),
    render_enqueue_duration: [`p(95)<${envNumber('P95_ENQUEUE_MS', 200)}`],
    render_ready_backlog: [`max<=${envNumber('MAX_BACKLOG', 1000)}`],
    render_oldest_ready_age_seconds: [`max<=${envNumber('MAX_OLDEST_AGE_SECONDS', 30)}`],
    render_rejected: [`count<=${envNumber('MAX_REJECTED', 0)}`],
    // Every job enqueued was worked off within DRAIN_TIMEOUT_SECONDS of the end of the load.
    render_drained: ['rate==1'],
  },
  teardownTimeout: `${DRAIN_TIMEOUT_SECONDS + 30}s`,
};

const auth = { authorization: `Bearer ${APP_API_KEY}` };
const template = '# Report {{n}}\n\n{{#rows}}| {{name}} | {{value}} |\n{{/rows}}';

/** The worker's view of the queue, or undefined when its health API does not answer. */
function queueHealth(tag) {
  const res = http.get(`${WORKER_URL}/v1/queues/${encodeURIComponent(QUEUE)}`, { tags: { route: tag } });
  check(res, { 'health: 200': (r) => r.status === 200 });
  if (res.status !== 200) return undefined;
  return res.json();
}

/** Refuses to start against a worker that does not watch the queue. */
export function setup() {
  const health = queueHealth('setup');
  if (!health) throw new Error(`${WORKER_URL}/v1/queues/${QUEUE} did not answer 200: is the worker's admin listener there (WORKER_URL)?`);
  return { startBacklog: health.readyBacklog };
}

export function enqueue() {
  const n = Math.floor(Math.random() * 1e9);
  const data = { n, rows: [{ name: 'a', value: n % 97 }, { name: 'b', value: n % 89 }] };
  const res = http.post(`${APP_URL}/api/render`, JSON.stringify({ template, data }), { headers: { ...auth, 'content-type': 'application/json' }, tags: { route: 'render' } });
  if (res.status === 429 || res.status === 503) {
    rejected.add(1);
    return;
  }
  enqueueDuration.add(res.timings.duration);
  const ok = check(res, {
    'render: 201': (r) => r.status === 201,
    'render: an id and its Location': (r) => {
      const id = r.json('id');
      return typeof id === 'string' && id.length > 0 && header(r, 'Location') === `/api/render/${id}`;
    },
  });
  if (ok) enqueued.add(1);
}

export function observe() {
  const h = queueHealth('health');
  if (h) {
    backlog.add(Number(h.readyBacklog ?? 0));
    oldestAge.add(Number(h.oldestReadyAgeSeconds ?? 0));
    const lag = h.local && h.local.lagSeconds ? h.local.lagSeconds.p95 : undefined;
    if (typeof lag === 'number') lagP95.add(lag);
    check(h, { 'health: the queue is not paused': (q) => q.isPaused === false });
  }
  sleep(POLL_SECONDS);
}

/** Waits for the queue to drain (no ready or active job), polling the health API. */
export function teardown() {
  const started = Date.now();
  for (;;) {
    const h = queueHealth('drain');
    const counts = (h && h.counts) || {};
    if (h && Number(h.readyBacklog) === 0 && Number(counts.active ?? 0) === 0) {
      drained.add(true);
      drainSeconds.add((Date.now() - started) / 1000);
      return;
    }
    if (Date.now() - started > DRAIN_TIMEOUT_SECONDS * 1000) {
      drained.add(false);
      return;
    }
    sleep(Math.min(POLL_SECONDS, 1));
  }
}

export function handleSummary(data) {
  return summarize(data, 'queue');
}

/** `k6 run --vus N --duration D load/queue.js` without the scenarios: plain enqueueing. */
export default function () {
  enqueue();
}
