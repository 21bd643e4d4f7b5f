/**
 * cmd/injector as a process: a bad environment stops start-up with exit 1
 * naming the variable; against the fake API server it makes its certificate,
 * answers a review over HTTPS, serves its admin port, and stops cleanly on
 * SIGTERM.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApi, type FakeKubeApi } from '../fixtures/kube-api.ts';
import { freePort } from '../fixtures/ports.ts';
import { eventually } from '../fixtures/poll.ts';
import { podReview, post } from './injector-helpers.ts';

let api: FakeKubeApi;
beforeAll(async () => { api = await startKubeApi(); });
afterAll(async () => { await api.close(); });

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ['cmd/injector/main.ts'], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => out };
}

describe('cmd/injector', () => {
  it.each([
    [{}, 'INJECTOR_SIDECAR_IMAGE'],
    [{ INJECTOR_SIDECAR_IMAGE: 'i', INJECTOR_TLS_MODE: 'magic' }, 'INJECTOR_TLS_MODE'],
  ])('stops start-up on %j with exit 1 naming %s', async (env, variable) => {
    const p = run(env);
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain(variable);
  });

  it('starts against the API server, answers a review over HTTPS and stops cleanly on SIGTERM', async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    const p = run({
      INJECTOR_SIDECAR_IMAGE: 'ghcr.io/pilotfish/pilotfish:bin', INJECTOR_KUBE_API: api.url, INJECTOR_NAMESPACE: 'pilotfish',
      INJECTOR_HOST: '127.0.0.1', INJECTOR_PORT: String(port), INJECTOR_ADMIN_HOST: '127.0.0.1', INJECTOR_ADMIN_PORT: String(adminPort),
    });
    // Generous: start-up imports the whole client on a loaded 2-core box.
    await Promise.race([
      eventually(() => p.output().includes('injector started'), 'the injector to start', 45_000),
      p.exited.then((code) => { throw new Error(`exited ${String(code)} before starting: ${p.output()}`); }),
    ]);
    const secret = api.store.get('secrets', 'pilotfish', 'pilotfish-injector-tls')!;
    const caBundle = Buffer.from((secret.data as Record<string, string>)['ca.crt'], 'base64').toString();
    const pod = { metadata: { generateName: 'web-', annotations: { 'pilotfish.dev/inject': 'cache' } }, spec: { containers: [{ name: 'web', image: 'w' }] } };
    const answer = await post({ port, tls: { caBundle, cert: '', key: '', notAfter: new Date() } }, podReview(pod));
    expect(answer.body.response).toMatchObject({ allowed: true, patchType: 'JSONPatch' });
    expect((await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status).toBe(200);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.output()).toContain('stopped');
    expect(p.output()).not.toContain('PRIVATE KEY');
  }, 60_000);
});
