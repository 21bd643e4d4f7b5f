import { DEFAULTS, defaultScaleDown, defaultScaleUp } from './defaults.ts';
import { invalidSpec } from './errors.ts';
import type { QueueAutoscalerSpec, ScalingPolicy, ScalingRules, SelectPolicy, Targets } from './types.ts';

type Obj = Record<string, unknown>;

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const MAX_REPLICAS = 10_000;

/**
 * Validates a QueueAutoscaler `spec` as read from the API server and fills in
 * every default. The CRD's schema and CEL rules catch most of this at
 * admission; this repeats them so a spec from a file (dry run) or from an API
 * server without the CRD's validation gets the same answer. Every problem is
 * reported at once, by field path.
 */
export function resolveSpec(raw: unknown): QueueAutoscalerSpec {
  const p: string[] = [];
  const spec = obj(raw, 'spec', p) ?? {};

  const ref = obj(spec.scaleTargetRef, 'spec.scaleTargetRef', p) ?? {};
  const scaleTargetRef = {
    apiVersion: str(ref.apiVersion, 'spec.scaleTargetRef.apiVersion', p, 'apps/v1'),
    kind: str(ref.kind, 'spec.scaleTargetRef.kind', p, 'Deployment'),
    name: dnsName(ref.name, 'spec.scaleTargetRef.name', p),
  };

  const q = obj(spec.queue, 'spec.queue', p) ?? {};
  const conn = obj(q.connection, 'spec.queue.connection', p) ?? {};
  const secretRef = obj(conn.secretRef, 'spec.queue.connection.secretRef', p) ?? {};
  const queue = {
    name: str(q.name, 'spec.queue.name', p),
    prefix: str(q.prefix, 'spec.queue.prefix', p, DEFAULTS.prefix),
    connection: {
      secretRef: {
        name: dnsName(secretRef.name, 'spec.queue.connection.secretRef.name', p),
        key: str(secretRef.key, 'spec.queue.connection.secretRef.key', p),
      },
    },
  };
  if (queue.name.includes(':')) p.push('spec.queue.name: must not contain ":" (BullMQ uses it as the key separator)');

  const minReplicas = int(spec.minReplicas, 'spec.minReplicas', p, 0, MAX_REPLICAS, DEFAULTS.minReplicas);
  const maxReplicas = int(spec.maxReplicas, 'spec.maxReplicas', p, 1, MAX_REPLICAS);
  if (minReplicas > maxReplicas) p.push(`spec.minReplicas (${minReplicas}) must be less than or equal to spec.maxReplicas (${maxReplicas})`);

  const t = obj(spec.targets, 'spec.targets', p) ?? {};
  const targets: Targets = {};
  for (const key of ['backlogPerReplica', 'oldestReadyAgeSeconds', 'lagP95Seconds'] as const) {
    if (t[key] !== undefined) targets[key] = positive(t[key], `spec.targets.${key}`, p);
  }
  for (const key of Object.keys(t)) {
    if (!['backlogPerReplica', 'oldestReadyAgeSeconds', 'lagP95Seconds'].includes(key)) p.push(`spec.targets.${key}: unknown target`);
  }
  if (Object.keys(targets).length === 0 && Object.keys(t).length === 0) {
    p.push('spec.targets: set at least one of backlogPerReplica, oldestReadyAgeSeconds, lagP95Seconds');
  }

  let prometheus: QueueAutoscalerSpec['prometheus'];
  if (spec.prometheus !== undefined) {
    const pr = obj(spec.prometheus, 'spec.prometheus', p) ?? {};
    const url = str(pr.url, 'spec.prometheus.url', p);
    if (url && !/^https?:\/\//.test(url)) p.push('spec.prometheus.url: must be an http:// or https:// URL');
    prometheus = { url, query: str(pr.query, 'spec.prometheus.query', p, DEFAULTS.lagQuery) };
  }
  if (targets.lagP95Seconds !== undefined && !prometheus) p.push('spec.targets.lagP95Seconds needs spec.prometheus.url');

  const act = spec.activation === undefined ? {} : obj(spec.activation, 'spec.activation', p) ?? {};
  const activation = { backlog: num(act.backlog, 'spec.activation.backlog', p, 0, Number.MAX_SAFE_INTEGER, DEFAULTS.activationBacklog) };
  const cooldownSeconds = int(spec.cooldownSeconds, 'spec.cooldownSeconds', p, 0, 86_400, DEFAULTS.cooldownSeconds);
  const pollingIntervalSeconds = int(spec.pollingIntervalSeconds, 'spec.pollingIntervalSeconds', p, 1, 3_600, DEFAULTS.pollingIntervalSeconds);

  const b = spec.behavior === undefined ? {} : obj(spec.behavior, 'spec.behavior', p) ?? {};
  const behavior = {
    scaleUp: rules(b.scaleUp, 'spec.behavior.scaleUp', p, defaultScaleUp()),
    scaleDown: rules(b.scaleDown, 'spec.behavior.scaleDown', p, defaultScaleDown()),
  };

  let fallback: QueueAutoscalerSpec['fallback'];
  if (spec.fallback !== undefined) {
    const f = obj(spec.fallback, 'spec.fallback', p) ?? {};
    fallback = {
      failureThreshold: int(f.failureThreshold, 'spec.fallback.failureThreshold', p, 1, 1_000, 3),
      replicas: int(f.replicas, 'spec.fallback.replicas', p, 1, MAX_REPLICAS),
    };
    if (fallback.replicas > maxReplicas) p.push('spec.fallback.replicas must not exceed spec.maxReplicas');
  }

  const paused = spec.paused === undefined ? false : bool(spec.paused, 'spec.paused', p);
  if (p.length > 0) throw invalidSpec(p);
  return { scaleTargetRef, queue, minReplicas, maxReplicas, targets, activation, cooldownSeconds, pollingIntervalSeconds, behavior, fallback, prometheus, paused };
}

function rules(raw: unknown, path: string, p: string[], def: ScalingRules): ScalingRules {
  if (raw === undefined) return def;
  const r = obj(raw, path, p) ?? {};
  const selectPolicy = r.selectPolicy === undefined ? def.selectPolicy : str(r.selectPolicy, `${path}.selectPolicy`, p);
  if (!['Max', 'Min', 'Disabled'].includes(selectPolicy)) p.push(`${path}.selectPolicy: must be Max, Min or Disabled`);
  let policies = def.policies;
  if (r.policies !== undefined) {
    if (!Array.isArray(r.policies) || r.policies.length === 0) {
      p.push(`${path}.policies: must be a non-empty list`);
    } else {
      policies = r.policies.map((item, i): ScalingPolicy => {
        const at = `${path}.policies[${i}]`;
        const o = obj(item, at, p) ?? {};
        const type = str(o.type, `${at}.type`, p);
        if (type !== 'Pods' && type !== 'Percent') p.push(`${at}.type: must be Pods or Percent`);
        return { type: type as ScalingPolicy['type'], value: int(o.value, `${at}.value`, p, 1, 100_000), periodSeconds: int(o.periodSeconds, `${at}.periodSeconds`, p, 1, 1_800) };
      });
    }
  }
  return {
    stabilizationWindowSeconds: int(r.stabilizationWindowSeconds, `${path}.stabilizationWindowSeconds`, p, 0, 3_600, def.stabilizationWindowSeconds),
    selectPolicy: selectPolicy as SelectPolicy,
    policies,
    tolerance: num(r.tolerance, `${path}.tolerance`, p, 0, 1, def.tolerance),
  };
}

function obj(v: unknown, path: string, p: string[]): Obj | undefined {
  if (v === undefined || v === null) { p.push(`${path}: required`); return undefined; }
  if (typeof v !== 'object' || Array.isArray(v)) { p.push(`${path}: must be an object`); return undefined; }
  return v as Obj;
}

function str(v: unknown, path: string, p: string[], def?: string): string {
  if (v === undefined && def !== undefined) return def;
  if (typeof v !== 'string' || v.length === 0) { p.push(`${path}: must be a non-empty string`); return ''; }
  return v;
}

function dnsName(v: unknown, path: string, p: string[]): string {
  const s = str(v, path, p);
  if (s && (s.length > 253 || !NAME.test(s))) p.push(`${path}: must be a lowercase DNS name`);
  return s;
}

function num(v: unknown, path: string, p: string[], min: number, max: number, def?: number): number {
  if (v === undefined && def !== undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    p.push(`${path}: must be a number from ${min} to ${max}`);
    return def ?? min;
  }
  return v;
}

function int(v: unknown, path: string, p: string[], min: number, max: number, def?: number): number {
  if (v === undefined && def !== undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    p.push(`${path}: must be an integer from ${min} to ${max}`);
    return def ?? min;
  }
  return v;
}

function positive(v: unknown, path: string, p: string[]): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) { p.push(`${path}: must be a number greater than 0`); return 1; }
  return v;
}

function bool(v: unknown, path: string, p: string[]): boolean {
  if (typeof v !== 'boolean') { p.push(`${path}: must be true or false`); return false; }
  return v;
}
