// What `npm start` runs and what it tells the developer: pure, from the
// environment and whether Redis answered.
import type { StackMember } from './stack.ts';

const DEV_TENANT = 'dev';
export const DEV_ROLES = ['knowledge:read', 'chat:use', 'render:submit', 'admin'] as const;

export interface DevPlanInput {
  env: NodeJS.ProcessEnv;
  /** Did Redis answer at `redisUrl`? */
  redisUp: boolean;
  redisUrl: URL;
  /** The development API key (random per start unless DEV_API_KEY is set). */
  apiKey: string;
}

export interface DevPlan {
  members: StackMember[];
  appUrl: string;
  apiKey: string;
  /** True when the developer brought their own APP_API_KEYS: the dev key is not in force. */
  ownKeys: boolean;
}

/**
 * The cache sidecar (memory backend unless REDIS_URL is set) and the LLM proxy
 * (mock provider unless keys are set) always run. The app gets Redis only when
 * it answers, so a missing Redis means in-memory rate limits and 503 on the
 * render routes instead of an app that cannot start; the worker needs Redis.
 */
export function planDevStack(input: DevPlanInput): DevPlan {
  const { env, redisUp, redisUrl, apiKey } = input;
  // The dev key has every role: keep the app on loopback unless asked otherwise.
  const host = env.APP_HOST ?? '127.0.0.1';
  const port = env.APP_PORT ?? '8080';
  const ownKeys = Boolean(env.APP_API_KEYS);
  const appEnv: Record<string, string> = { APP_HOST: host, APP_PORT: port };
  if (!ownKeys) appEnv.APP_API_KEYS = JSON.stringify({ [apiKey]: { tenant: DEV_TENANT, roles: [...DEV_ROLES] } });
  if (redisUp) appEnv.REDIS_URL = redisUrl.href;
  // Without a provider key the proxy serves only its mock: chats must ask for it, or gpt-4o-mini has nowhere to go.
  const realProvider = Boolean(env.OPENAI_API_KEY || env.ANTHROPIC_API_KEY);
  if (!realProvider && env.APP_FLAG_LLM_REAL_PROVIDER === undefined) appEnv.APP_FLAG_LLM_REAL_PROVIDER = 'off';
  const noRedis = `no Redis at ${redisUrl.host} (start redis-server or set REDIS_URL)`;
  const members: StackMember[] = [
    { name: 'cache-sidecar', main: 'cmd/cache-sidecar/main.ts' },
    { name: 'llm-proxy', main: 'cmd/llm-proxy/main.ts' },
    { name: 'app', main: 'cmd/app/main.ts', env: appEnv, unset: redisUp ? [] : ['REDIS_URL'] },
    { name: 'worker', main: 'cmd/worker/main.ts', env: { REDIS_URL: redisUrl.href }, when: async () => redisUp, skipReason: noRedis },
  ];
  const browserHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return { members, appUrl: `http://${browserHost}:${port}`, apiKey, ownKeys };
}

/** The lines printed once the app answers: what to open and what to curl. */
export function devBanner(plan: DevPlan, redisUp: boolean): string {
  const { appUrl } = plan;
  const key = plan.ownKeys ? '<a key from your APP_API_KEYS>' : plan.apiKey;
  const lines = [
    '',
    `Pilotfish is up. Development API key (tenant ${DEV_TENANT}, every role): ${key}`,
    `  export KEY='${key}'`,
    '',
    'Open:',
    `  ${appUrl}/admin                        admin page (sign in with the key)`,
    `  ${appUrl}/admin/queues                 bull-board${redisUp ? '' : ' (needs Redis)'}`,
    '',
    'Try:',
    `  curl -s -H "Authorization: Bearer $KEY" '${appUrl}/api/knowledge/search?q=cache+sidecar&limit=3'`,
    `  curl -si -H "Authorization: Bearer $KEY" '${appUrl}/api/knowledge/search-cached?q=cache+sidecar'   # X-Cache: miss, then hit`,
    `  curl -sN -H "Authorization: Bearer $KEY" -H 'content-type: application/json' ${appUrl}/api/chat \\`,
    `    -d '{"messages":[{"role":"user","content":"look up how the cache sidecar falls back"}]}'`,
  ];
  if (redisUp) {
    lines.push(
      `  curl -s -H "Authorization: Bearer $KEY" -H 'content-type: application/json' ${appUrl}/api/render \\`,
      `    -d '{"template":"# Hello {{name}}","data":{"name":"dev"}}'   # 201 {id}; then GET /api/render/<id>`,
    );
  } else {
    lines.push('', 'No Redis: the worker is not running, rate limits are in memory and /api/render answers 503.');
  }
  lines.push('', 'Sidecars: cache http://127.0.0.1:7700 (admin :9700), LLM proxy http://127.0.0.1:7701 (admin :9701). Ctrl-C stops everything.', '');
  return lines.join('\n');
}
