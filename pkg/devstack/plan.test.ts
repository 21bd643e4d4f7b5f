import { describe, expect, it } from 'vitest';
import { DEV_ROLES, devBanner, planDevStack } from './plan.ts';

const redisUrl = new URL('redis://127.0.0.1:6379');
const member = (plan: ReturnType<typeof planDevStack>, name: string) => plan.members.find((m) => m.name === name)!;

describe('planDevStack', () => {
  it('gives the app a dev key with every role for tenant dev, on loopback port 8080', () => {
    const plan = planDevStack({ env: {}, redisUp: true, redisUrl, apiKey: 'dev-abc' });
    const app = member(plan, 'app');
    expect(app.main).toBe('cmd/app/main.ts');
    expect(JSON.parse(app.env!.APP_API_KEYS!)).toEqual({ 'dev-abc': { tenant: 'dev', roles: [...DEV_ROLES] } });
    expect(app.env).toMatchObject({ APP_HOST: '127.0.0.1', APP_PORT: '8080', REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(plan.appUrl).toBe('http://127.0.0.1:8080');
  });

  it('runs the sidecars always and the worker only when Redis answers', async () => {
    const up = planDevStack({ env: {}, redisUp: true, redisUrl, apiKey: 'k' });
    const down = planDevStack({ env: {}, redisUp: false, redisUrl, apiKey: 'k' });
    expect(up.members.map((m) => m.name)).toEqual(['cache-sidecar', 'llm-proxy', 'app', 'worker']);
    expect(await member(up, 'worker').when!()).toBe(true);
    expect(await member(down, 'worker').when!()).toBe(false);
    expect(member(down, 'worker').skipReason).toContain('127.0.0.1:6379');
  });

  it('keeps an unreachable REDIS_URL away from the app so it starts without Redis', () => {
    const plan = planDevStack({ env: { REDIS_URL: 'redis://gone:6379' }, redisUp: false, redisUrl: new URL('redis://gone:6379'), apiKey: 'k' });
    expect(member(plan, 'app').env!.REDIS_URL).toBeUndefined();
    expect(member(plan, 'app').unset).toEqual(['REDIS_URL']);
  });

  it('switches chats to the proxy\'s mock provider unless a provider key is set', () => {
    expect(member(planDevStack({ env: {}, redisUp: true, redisUrl, apiKey: 'k' }), 'app').env!.APP_FLAG_LLM_REAL_PROVIDER).toBe('off');
    expect(member(planDevStack({ env: { OPENAI_API_KEY: 'sk-x' }, redisUp: true, redisUrl, apiKey: 'k' }), 'app').env!.APP_FLAG_LLM_REAL_PROVIDER).toBeUndefined();
    expect(member(planDevStack({ env: { APP_FLAG_LLM_REAL_PROVIDER: 'on' }, redisUp: true, redisUrl, apiKey: 'k' }), 'app').env!.APP_FLAG_LLM_REAL_PROVIDER).toBeUndefined();
  });

  it('leaves the developer\'s own APP_API_KEYS and listener in force', () => {
    const plan = planDevStack({ env: { APP_API_KEYS: '{"mine":{"tenant":"t","roles":["admin"]}}', APP_HOST: '0.0.0.0', APP_PORT: '9090' }, redisUp: true, redisUrl, apiKey: 'k' });
    expect(member(plan, 'app').env!.APP_API_KEYS).toBeUndefined();
    expect(plan.ownKeys).toBe(true);
    expect(plan.appUrl).toBe('http://localhost:9090');
  });
});

describe('devBanner', () => {
  it('prints the key, the admin URL and curl lines that use the key', () => {
    const plan = planDevStack({ env: {}, redisUp: true, redisUrl, apiKey: 'dev-123' });
    const text = devBanner(plan, true);
    expect(text).toContain("export KEY='dev-123'");
    expect(text).toContain('http://127.0.0.1:8080/admin');
    expect(text).toContain('/api/knowledge/search-cached?q=');
    expect(text).toContain('/api/chat');
    expect(text).toContain('/api/render');
  });

  it('says what is missing without Redis and never prints someone else\'s key', () => {
    const plan = planDevStack({ env: { APP_API_KEYS: '{"secret-key-value":{"tenant":"t","roles":[]}}' }, redisUp: false, redisUrl, apiKey: 'dev-unused' });
    const text = devBanner(plan, false);
    expect(text).not.toContain('secret-key-value');
    expect(text).not.toContain('dev-unused');
    expect(text).toContain('/api/render answers 503');
  });
});
