import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { resolveSpec } from '#pkg/autoscaler/index.ts';
import { CrdChecker, readYamlDocs } from '../fixtures/kube/crd-check.ts';

const minimal = {
  apiVersion: 'autoscaling.pilotfish.dev/v1alpha1', kind: 'QueueAutoscaler', metadata: { name: 'q' },
  spec: {
    scaleTargetRef: { name: 'worker' },
    queue: { name: 'render', connection: { secretRef: { name: 'redis', key: 'url' } } },
    maxReplicas: 10,
    targets: { backlogPerReplica: 5 },
  },
};

async function docExamples(): Promise<Record<string, any>[]> {
  const md = await readFile('docs/controller.md', 'utf8');
  const blocks = [...md.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.flatMap((b) => parseAllDocuments(b).map((d) => d.toJS() as Record<string, any>)).filter((d) => d?.kind === 'QueueAutoscaler');
}

describe('QueueAutoscaler CRD and manifests', () => {
  let crd: CrdChecker;
  beforeAll(async () => { crd = await CrdChecker.load(); });

  it('the documented examples are valid against the schema and CEL rules, and the controller accepts them', async () => {
    const examples = [...(await readYamlDocs('manifests/controller/example-queueautoscaler.yaml')), ...(await docExamples())];
    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const ex of examples) {
      const { value, problems } = crd.check(ex);
      expect(problems, ex.metadata?.name).toEqual([]);
      expect(() => resolveSpec(value.spec)).not.toThrow();
    }
  });

  it('the CRD defaults are the controller defaults', () => {
    const { value, problems } = crd.check(minimal);
    expect(problems).toEqual([]);
    const fromCrd = resolveSpec(value.spec);
    const fromCode = resolveSpec(minimal.spec);
    expect(fromCrd).toEqual(fromCode);
    expect(value.spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    expect(value.spec.minReplicas).toBe(1);
  });

  it('CEL rules reject what the controller rejects', () => {
    const bad = (spec: Record<string, unknown>) => crd.check({ ...minimal, spec: { ...minimal.spec, ...spec } }).problems;
    expect(bad({ minReplicas: 5, maxReplicas: 2 })).toEqual(['.spec: minReplicas must be less than or equal to maxReplicas']);
    expect(bad({ targets: {} })).toEqual(['.spec.targets: set at least one of backlogPerReplica, oldestReadyAgeSeconds, lagP95Seconds']);
    expect(bad({ targets: { lagP95Seconds: 5 } })).toEqual(['.spec: a lagP95Seconds target needs prometheus.url']);
    expect(bad({ targets: { backlogPerReplica: 0 } })).toEqual(['.spec.targets.backlogPerReplica: must be greater than 0']);
    expect(bad({ queue: { name: 'a:b', connection: { secretRef: { name: 'r', key: 'k' } } } })).toEqual([".spec.queue.name: queue name must not contain ':' (BullMQ's key separator)"]);
    expect(bad({ behavior: { scaleUp: { selectPolicy: 'Sometimes' } } }).join()).toContain('must be equal to one of the allowed values');
    expect(bad({ fallback: { replicas: 11 } })).toEqual(['.spec: fallback.replicas must not exceed maxReplicas']);
    for (const spec of [{ minReplicas: 5, maxReplicas: 2 }, { targets: {} }, { fallback: { replicas: 11 } }, { targets: { lagP95Seconds: 5 } }, { targets: { backlogPerReplica: 0 } }]) {
      expect(() => resolveSpec({ ...minimal.spec, ...spec })).toThrow();
    }
  });

  it('the standalone controller Deployment runs what the chart runs: same image, command, admin port and resources', async () => {
    const [standalone] = (await readYamlDocs('manifests/controller/deployment.yaml')).filter((d) => d.kind === 'Deployment');
    const charted = (await readYamlDocs('manifests/pilotfish.yaml')).find((d) => d.kind === 'Deployment' && d.metadata.name === 'pilotfish-controller')!;
    const [a, b] = [standalone, charted].map((d) => d.spec.template.spec.containers[0]);
    expect(a.image).toBe(b.image);
    expect(a.command).toEqual(b.command);
    expect(a.ports).toEqual([expect.objectContaining({ name: 'admin', containerPort: b.ports.find((p: { name: string }) => p.name === 'admin').containerPort })]);
    expect(a.resources).toEqual(b.resources);
    expect(standalone.spec.replicas).toBe(charted.spec.replicas);
  });

  it('has a status subresource and the printer columns users look at', async () => {
    const [doc] = await readYamlDocs('manifests/crds/queueautoscalers.autoscaling.pilotfish.dev.yaml');
    const v = doc.spec.versions[0];
    expect(v.subresources).toEqual({ status: {} });
    expect(v.additionalPrinterColumns.map((c: { name: string }) => c.name)).toEqual(['Target', 'Backlog', 'Oldest', 'Desired', 'Current', 'Ready', 'Age']);
  });

  it('RBAC is least privilege: no wildcards, no cluster-wide Secrets, scale and status only where needed', async () => {
    const docs = await readYamlDocs('manifests/controller/rbac.yaml');
    const rules = docs.filter((d) => d.kind === 'ClusterRole' || d.kind === 'Role').flatMap((d) => d.rules as { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[]);
    for (const r of rules) {
      expect([...r.apiGroups, ...r.resources, ...r.verbs]).not.toContain('*');
      expect(r.verbs).not.toContain('delete');
    }
    const clusterRole = docs.find((d) => d.kind === 'ClusterRole')!;
    expect(clusterRole.rules.flatMap((r: { resources: string[] }) => r.resources)).not.toContain('secrets');
    const writes = rules.filter((r) => r.verbs.some((v) => ['patch', 'update', 'create'].includes(v))).flatMap((r) => r.resources).sort();
    expect(writes).toEqual(['deployments/scale', 'events', 'leases', 'leases', 'queueautoscalers/status', 'statefulsets/scale']);
    const secretRole = (await readYamlDocs('manifests/controller/secret-access.yaml')).find((d) => d.kind === 'Role')!;
    expect(secretRole.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['render-redis'], verbs: ['get'] }]);
  });
});
