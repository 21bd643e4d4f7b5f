// `npm start`: the local stack on its embedded defaults. The cache sidecar
// (memory backend unless REDIS_URL is set) and the LLM proxy (mock provider
// unless keys are set) always start; the render worker starts when Redis
// answers at REDIS_URL (default redis://127.0.0.1:6379).
import { startStack, tcpAnswers } from '#pkg/devstack/index.ts';

const redisUrl = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const stack = await startStack([
  { name: 'cache-sidecar', main: 'cmd/cache-sidecar/main.ts' },
  { name: 'llm-proxy', main: 'cmd/llm-proxy/main.ts' },
  {
    name: 'worker', main: 'cmd/worker/main.ts', env: { REDIS_URL: redisUrl.href },
    when: () => tcpAnswers(redisUrl.hostname, Number(redisUrl.port || 6379)),
    skipReason: `no Redis at ${redisUrl.host} (start redis-server or set REDIS_URL)`,
  },
]);
const stop = () => void stack.stop().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.exitCode = await stack.exited;
