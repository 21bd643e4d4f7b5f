// `npm start`: the local stack on its embedded defaults. The cache sidecar
// (memory backend unless REDIS_URL is set), the LLM proxy (mock provider
// unless keys are set) and the app on 127.0.0.1:8080 with a development API
// key always start; the render worker starts when Redis answers at REDIS_URL
// (default redis://127.0.0.1:6379), and the app then uses that Redis too.
import { randomBytes } from 'node:crypto';
import { devBanner, planDevStack, startStack, tcpAnswers } from '#pkg/devstack/index.ts';

const redisUrl = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const redisUp = await tcpAnswers(redisUrl.hostname, Number(redisUrl.port || 6379));
const apiKey = process.env.DEV_API_KEY ?? `dev-${randomBytes(12).toString('hex')}`;
const plan = planDevStack({ env: process.env, redisUp, redisUrl, apiKey });
const stack = await startStack(plan.members);

const stop = () => void stack.stop().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

// The banner waits for the app's readiness (the index is built) so the curl
// lines work the moment they are printed.
void (async () => {
  for (let i = 0; i < 120 && stack.children.get('app')?.exitCode === null; i++) {
    const ready = await fetch(`${plan.appUrl}/readyz`).then((r) => r.ok, () => false);
    if (ready) {
      process.stdout.write(devBanner(plan, redisUp));
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
})();

process.exitCode = await stack.exited;
