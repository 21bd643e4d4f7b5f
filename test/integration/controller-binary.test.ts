import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { sharedRedisUrl } from '../fixtures/redis.ts';
import { freePort } from '../fixtures/ports.ts';
import { startKubeApi, type FakeKubeApi } from '../fixtures/kube-api.ts';
import { NS } from '../fixtures/kube/harness.ts';
import { eventually } from '../fixtures/poll.ts';
import { dryRunSpecFile } from './controller-helpers.ts';

const NODE = join(process.cwd(), 'node_modules/.bin/node');

interface Proc { child: ChildProcess; out: string[]; exit: Promise<number | null> }

function run(args: string[], env: Record<string, string>): Proc {
  const child = spawn(NODE, ['cmd/controller/main.ts', ...args], { env: { ...process.env, LOG_LEVEL: 'debug', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: string[] = [];
  const collect = (b: Buffer) => out.push(...String(b).split('\n').filter(Boolean));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  return { child, out, exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

describe('cmd/controller', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

  /** A queue holding `jobs` jobs, removed after the test; its name. */
  async function queueWithJobs(tag: string, jobs: number): Promise<string> {
    const name = `${tag}-${process.pid}-${Date.now()}`;
    const q = new Queue(name, { connection: { url: sharedRedisUrl() } });
    cleanup.push(async () => { await q.obliterate({ force: true }); await q.close(); });
    await q.addBulk(Array.from({ length: jobs }, (_, i) => ({ name: 'j', data: { i } })));
    return name;
  }

  /** The fake API server with Secret apps/redis, Deployment apps/worker at 1 and QueueAutoscaler apps/render on `queueName` (5 jobs a replica). */
  async function clusterFor(queueName: string): Promise<FakeKubeApi> {
    const api = await startKubeApi();
    cleanup.push(() => api.close());
    api.addSecret(NS, 'redis', { url: sharedRedisUrl() });
    api.addDeployment(NS, 'worker', 1);
    api.addQueueAutoscaler(NS, 'render', { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'worker' }, queue: { name: queueName, connection: { secretRef: { name: 'redis', key: 'url' } } }, maxReplicas: 10, targets: { backlogPerReplica: 5 } });
    return api;
  }

  /** The binary with its admin listener on a free loopback port, killed after the test if it is still running. */
  async function start(args: string[], env: Record<string, string>): Promise<Proc & { port: number }> {
    const port = await freePort();
    const p = run(args, { CONTROLLER_ADMIN_PORT: String(port), CONTROLLER_ADMIN_HOST: '127.0.0.1', ...env });
    cleanup.push(async () => { if (p.child.exitCode === null) { p.child.kill('SIGKILL'); await p.exit; } });
    return { ...p, port };
  }

  it('--dry-run --file: reads specs and a Secret from YAML, logs the decision, serves metrics, stops on SIGTERM', async () => {
    const name = await queueWithJobs('ctl-bin', 25);
    const dir = await mkdtemp(join(tmpdir(), 'pf-ctl-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'specs.yaml');
    await writeFile(file, dryRunSpecFile(name, sharedRedisUrl()));
    const p = await start(['--dry-run', '--file', file], {});
    const line = await eventually(() => p.out.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'would scale'), 'a logged decision', 20_000);
    expect(line).toMatchObject({ from: 1, to: 5, dryRun: true, target: 'Deployment/worker' });
    const metrics = await (await fetch(`http://127.0.0.1:${p.port}/metrics`)).text();
    expect(metrics).toMatch(/queue_autoscaler_desired_replicas\{namespace="apps",name="render",component="controller"\} 5/);
    expect((await fetch(`http://127.0.0.1:${p.port}/readyz`)).status).toBe(200);
    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(0);
  });

  it('--dry-run against a cluster reads everything and writes nothing', async () => {
    const api = await clusterFor(await queueWithJobs('ctl-bin2', 12));
    const p = await start([], { CONTROLLER_DRY_RUN: 'true', CONTROLLER_KUBE_API: api.url });
    const line = await eventually(() => p.out.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.dryRun === true && l.to === 3), 'a dry-run decision', 20_000);
    expect(line).toMatchObject({ from: 1, to: 3 });
    expect(api.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(api.deploymentReplicas(NS, 'worker')).toBe(1);
    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(0);
  });

  it('as deployed: takes the Lease, scales, writes status, and releases the Lease on SIGTERM', async () => {
    const api = await clusterFor(await queueWithJobs('ctl-bin3', 12));
    const p = await start([], { CONTROLLER_KUBE_API: api.url, CONTROLLER_IDENTITY: 'pod-a', POD_NAMESPACE: 'pilotfish-system' });
    await eventually(() => api.deploymentReplicas(NS, 'worker') === 3, 'scale to 3', 20_000);
    expect(api.store.get('leases', 'pilotfish-system', 'pilotfish-controller')?.spec).toMatchObject({ holderIdentity: 'pod-a' });
    await eventually(() => (api.store.get('queueautoscalers', NS, 'render')?.status as any)?.currentReplicas === 3, 'status written');
    const ready = await (await fetch(`http://127.0.0.1:${p.port}/readyz`)).json() as Record<string, unknown>;
    expect(ready).toMatchObject({ ready: true, leader: true, objects: 1, dryRun: false });
    expect(await (await fetch(`http://127.0.0.1:${p.port}/metrics`)).text()).toMatch(/queue_autoscaler_leader\{component="controller"\} 1/);
    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(0);
    expect((api.store.get('leases', 'pilotfish-system', 'pilotfish-controller')?.spec as { holderIdentity?: string }).holderIdentity).toBeUndefined();
  });

  it('a bad environment exits 1 naming the variable', async () => {
    const p = run([], { CONTROLLER_ADMIN_PORT: 'not-a-port' });
    expect(await p.exit).toBe(1);
    expect(p.out.join('\n')).toContain('CONTROLLER_ADMIN_PORT');
  });
});
