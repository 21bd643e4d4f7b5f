import type { Logger } from '#pkg/log/index.ts';
import { apiStatus, describeApiError, isConflict, isNotFound, type InvolvedObject, type ScaleReading, type TargetRef } from '#pkg/k8s/index.ts';
import type { Cluster } from './cluster.ts';
import { buildConditions, type Blocked, type Condition, type QueueAutoscalerStatus } from './conditions.ts';
import type { ControllerMetrics, ErrorKind } from './metrics.ts';
import type { QueueAutoscalerObject } from './object.ts';
import { recommend, recordScale } from './recommend.ts';
import type { LagSource, QueueSource } from './sources.ts';
import { resolveSpec } from './spec.ts';
import { emptyHistory, KIND, PAUSED_ANNOTATION, GROUP, VERSION, type Decision, type History, type QueueAutoscalerSpec, type Readings } from './types.ts';

/** What the controller keeps per object between polls. */
export interface ObjectState {
  history: History;
  conditions: Condition[];
  lastScaleTime?: string;
  /** The spec's polling interval, for the scheduler. */
  pollingIntervalSeconds: number;
}

export function newObjectState(obj: QueueAutoscalerObject): ObjectState {
  const lastActive = obj.status?.lastActiveTime ? Date.parse(obj.status.lastActiveTime) : undefined;
  return {
    history: { ...emptyHistory(), lastActiveAt: Number.isFinite(lastActive) ? lastActive : undefined },
    conditions: obj.status?.conditions ?? [],
    lastScaleTime: obj.status?.lastScaleTime,
    pollingIntervalSeconds: intervalOf(obj),
  };
}

/** The object's polling interval, even before its first reconcile (default 15 s when absent or invalid). */
export function intervalOf(obj: QueueAutoscalerObject): number {
  const v = (obj.spec as { pollingIntervalSeconds?: unknown } | undefined)?.pollingIntervalSeconds;
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 3600 ? v : 15;
}

export interface ReconcilerOptions {
  cluster: Cluster;
  queues: QueueSource;
  lag: LagSource;
  metrics: ControllerMetrics;
  logger: Logger;
  /** Log decisions without scaling, writing status or recording events. Default false. */
  dryRun?: boolean;
  /** Checked again just before a write: a replica that lost the lease mid-poll does not scale. Default: always true. */
  isLeader?: () => boolean;
  /** Default Date.now. */
  now?: () => number;
  /** Scale writes per poll when each meets a 409 Conflict (each after a fresh read and a fresh decision). Default 3. */
  scaleConflictAttempts?: number;
}

export interface ReconcileResult { decision?: Decision; blocked?: Blocked; scaled?: { from: number; to: number } }

/**
 * One poll of one QueueAutoscaler: validate, refuse to fight an HPA, read the
 * target's scale and the queue, decide (pure), then scale, record an Event,
 * update metrics and write status. Errors end up in conditions, Events and
 * `queue_autoscaler_errors_total`; nothing here throws.
 */
export class Reconciler {
  readonly #o: ReconcilerOptions;

  constructor(options: ReconcilerOptions) {
    this.#o = options;
  }

  async reconcile(obj: QueueAutoscalerObject, state: ObjectState): Promise<ReconcileResult> {
    const namespace = obj.metadata?.namespace ?? 'default';
    const name = obj.metadata?.name ?? '';
    const now = (this.#o.now ?? Date.now)();
    const involved: InvolvedObject = { apiVersion: `${GROUP}/${VERSION}`, kind: KIND, name, namespace, uid: obj.metadata?.uid };
    const log = this.#o.logger.child({ namespace, name });
    const fail = (kind: ErrorKind) => this.#o.metrics.errors.inc({ namespace, name, kind });

    let spec: QueueAutoscalerSpec;
    try {
      spec = resolveSpec(obj.spec);
    } catch (err) {
      fail('invalid_spec');
      return this.#block(obj, state, involved, { reason: 'InvalidSpec', message: (err as Error).message }, now, log);
    }
    state.pollingIntervalSeconds = spec.pollingIntervalSeconds;
    if (obj.metadata?.annotations?.[PAUSED_ANNOTATION] === 'true') spec = { ...spec, paused: true };
    const ref = spec.scaleTargetRef;

    let scale;
    try {
      const hpa = await this.#o.cluster.conflictingHpa(namespace, ref);
      if (hpa) {
        fail('hpa_conflict');
        return this.#block(obj, state, involved, { reason: 'ConflictingHPA', message: `HorizontalPodAutoscaler "${hpa}" also targets ${ref.kind} "${ref.name}"; delete it or this QueueAutoscaler (two autoscalers on one workload fight)` }, now, log);
      }
      scale = await this.#o.cluster.readScale(namespace, ref);
    } catch (err) {
      const notFound = isNotFound(err);
      fail(notFound ? 'target_not_found' : 'kube_api');
      return this.#block(obj, state, involved, notFound
        ? { reason: 'TargetNotFound', message: `${ref.kind} "${ref.name}" was not found in namespace ${namespace}` }
        : { reason: 'ApiError', message: `reading the target failed: ${describeApiError(err)}` }, now, log);
    }

    const readings = await this.#read(spec, namespace, now, fail);
    if (readings.paused) spec = { ...spec, paused: true };
    const historyBefore = state.history;
    const decide = (s: ScaleReading) => recommend({ spec, currentReplicas: s.replicas, readyReplicas: s.readyReplicas, readings: readings.readings, history: historyBefore, now });
    let decision = decide(scale);
    state.history = decision.history;
    let scaled: ReconcileResult['scaled'];
    let blocked: Blocked | undefined;

    if (decision.desiredReplicas !== scale.replicas && (this.#o.isLeader?.() ?? true)) {
      if (this.#o.dryRun) {
        log.info({ from: scale.replicas, to: decision.desiredReplicas, reason: decision.reason, dryRun: true }, decision.message);
      } else {
        const write = await this.#writeScale(namespace, ref, scale, decision, decide);
        ({ scale, decision } = write);
        state.history = decision.history;
        if (write.error !== undefined) {
          const err = write.error;
          fail(isConflict(err) ? 'conflict' : 'kube_api');
          blocked = { reason: 'ScaleFailed', message: `scaling ${ref.kind} "${ref.name}" to ${decision.desiredReplicas} failed: ${describeApiError(err)}` };
          log.warn({ status: apiStatus(err) }, blocked.message);
          await this.#event(involved, 'Warning', 'FailedRescale', blocked.message, fail);
        } else if (!write.wrote) {
          log.info({ replicas: scale.replicas, reason: decision.reason }, `another writer changed ${ref.kind} "${ref.name}" first; decided again on its count: ${decision.message}`);
        } else {
          scaled = { from: scale.replicas, to: decision.desiredReplicas };
          state.history = recordScale(state.history, scale.replicas, decision.desiredReplicas, now, spec);
          state.lastScaleTime = new Date(now).toISOString();
          this.#o.metrics.scaleEvents.inc({ namespace, name, direction: scaled.to > scaled.from ? 'up' : 'down' });
          log.info({ from: scaled.from, to: scaled.to, reason: decision.reason }, decision.message);
          await this.#event(involved, 'Normal', 'SuccessfulRescale', `New size: ${scaled.to}; reason: ${decision.message}`, fail);
        }
      }
    } else {
      log.debug({ replicas: scale.replicas, reason: decision.reason }, decision.message);
    }
    if (decision.fallback) await this.#event(involved, 'Warning', 'Fallback', decision.message, fail);
    else if (decision.reason === 'MetricsUnavailable') await this.#event(involved, 'Warning', 'MetricsUnavailable', decision.message, fail);

    this.#observe(namespace, name, decision, readings.readings);
    const current = scaled?.to ?? scale.replicas;
    const conditions = buildConditions({ previous: state.conditions, decision, blocked, generation: obj.metadata?.generation, now });
    await this.#writeStatus(namespace, name, state, {
      observedGeneration: obj.metadata?.generation,
      currentReplicas: current,
      desiredReplicas: decision.desiredReplicas,
      lastScaleTime: state.lastScaleTime,
      lastActiveTime: state.history.lastActiveAt !== undefined ? new Date(state.history.lastActiveAt).toISOString() : undefined,
      lastMetrics: lastMetrics(readings.readings, now),
      conditions,
    }, fail, log);
    return { decision, blocked, scaled };
  }

  /**
   * Writes a decision with the resourceVersion it was made on. A 409 Conflict
   * means another writer changed the workload since the read: its count is
   * read again and the decision made again on it (as the HPA and KEDA do),
   * instead of the stale count being pushed over the other writer's change.
   * The re-decision may be to leave the count alone (`wrote: false`).
   */
  async #writeScale(
    namespace: string, ref: TargetRef, scale: ScaleReading, decision: Decision, decide: (s: ScaleReading) => Decision,
  ): Promise<{ scale: ScaleReading; decision: Decision; wrote: boolean; error?: unknown }> {
    const attempts = this.#o.scaleConflictAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#o.cluster.setReplicas(namespace, ref, decision.desiredReplicas, scale.resourceVersion);
        return { scale, decision, wrote: true };
      } catch (err) {
        if (!isConflict(err) || attempt >= attempts) return { scale, decision, wrote: false, error: err };
      }
      try {
        scale = await this.#o.cluster.readScale(namespace, ref);
      } catch (err) {
        return { scale, decision, wrote: false, error: err };
      }
      decision = decide(scale);
      if (decision.desiredReplicas === scale.replicas) return { scale, decision, wrote: false };
    }
  }

  /** Drops the gauges of a deleted object, so /metrics does not report it forever. */
  forget(namespace: string, name: string): void {
    const m = this.#o.metrics;
    m.desiredReplicas.remove({ namespace, name });
    for (const metric of ['ready_backlog', 'oldest_ready_age_seconds', 'active_jobs', 'lag_p95_seconds']) m.metricValue.remove({ namespace, name, metric });
  }

  async #read(spec: QueueAutoscalerSpec, namespace: string, now: number, fail: (k: ErrorKind) => void): Promise<{ readings: Readings; paused: boolean }> {
    const { secretRef } = spec.queue.connection;
    let url: string | undefined;
    let secretError: string | undefined;
    try {
      url = await this.#o.cluster.readSecret(namespace, secretRef.name, secretRef.key);
      if (!url) secretError = `Secret "${secretRef.name}" has no key "${secretRef.key}"`;
    } catch (err) {
      secretError = `reading Secret "${secretRef.name}" failed: ${describeApiError(err)}`;
    }
    const lagRead = spec.targets.lagP95Seconds !== undefined && spec.prometheus ? this.#o.lag.read(spec.prometheus, spec.queue.name) : undefined;
    let readings: Readings;
    let paused = false;
    if (secretError || !url) {
      fail('secret');
      readings = { queue: { ok: false, error: secretError ?? 'no Redis URL' } };
    } else {
      const q = await this.#o.queues.read(url, spec.queue, now);
      if (!q.reading.ok) fail('redis');
      readings = { queue: q.reading };
      paused = q.paused;
    }
    if (lagRead) {
      readings.lagP95 = await lagRead;
      if (!readings.lagP95.ok) fail('prometheus');
    }
    return { readings, paused };
  }

  async #block(obj: QueueAutoscalerObject, state: ObjectState, involved: InvolvedObject, blocked: Blocked, now: number, log: Logger): Promise<ReconcileResult> {
    log.warn({ reason: blocked.reason }, blocked.message);
    const fail = (kind: ErrorKind) => this.#o.metrics.errors.inc({ namespace: involved.namespace, name: involved.name, kind });
    await this.#event(involved, 'Warning', blocked.reason, blocked.message, fail);
    const conditions = buildConditions({ previous: state.conditions, blocked, generation: obj.metadata?.generation, now });
    await this.#writeStatus(involved.namespace, involved.name, state, { observedGeneration: obj.metadata?.generation, conditions }, fail, log);
    return { blocked };
  }

  #observe(namespace: string, name: string, decision: Decision, readings: Readings): void {
    const m = this.#o.metrics;
    m.desiredReplicas.set({ namespace, name }, decision.desiredReplicas);
    if (readings.queue.ok) {
      m.metricValue.set({ namespace, name, metric: 'ready_backlog' }, readings.queue.value.readyBacklog);
      m.metricValue.set({ namespace, name, metric: 'oldest_ready_age_seconds' }, readings.queue.value.oldestReadyAgeSeconds);
      m.metricValue.set({ namespace, name, metric: 'active_jobs' }, readings.queue.value.activeJobs);
    }
    if (readings.lagP95?.ok) m.metricValue.set({ namespace, name, metric: 'lag_p95_seconds' }, readings.lagP95.value);
  }

  async #writeStatus(namespace: string, name: string, state: ObjectState, status: Partial<QueueAutoscalerStatus>, fail: (k: ErrorKind) => void, log: Logger): Promise<void> {
    state.conditions = status.conditions ?? state.conditions;
    if (this.#o.dryRun || !(this.#o.isLeader?.() ?? true)) return;
    try {
      await this.#o.cluster.patchStatus(namespace, name, status);
    } catch (err) {
      fail('kube_api');
      log.warn({ err: describeApiError(err) }, 'writing status failed');
    }
  }

  async #event(obj: InvolvedObject, type: 'Normal' | 'Warning', reason: string, message: string, fail: (k: ErrorKind) => void): Promise<void> {
    if (this.#o.dryRun || !(this.#o.isLeader?.() ?? true)) return;
    try {
      await this.#o.cluster.event(obj, type, reason, message);
    } catch (_err) {
      fail('kube_api');
    }
  }
}

function lastMetrics(readings: Readings, now: number): QueueAutoscalerStatus['lastMetrics'] {
  const q = readings.queue.ok ? readings.queue.value : undefined;
  return {
    readyBacklog: q?.readyBacklog,
    oldestReadyAgeSeconds: q ? Math.round(q.oldestReadyAgeSeconds * 1000) / 1000 : undefined,
    activeJobs: q?.activeJobs,
    lagP95Seconds: readings.lagP95?.ok ? readings.lagP95.value : undefined,
    readTime: new Date(now).toISOString(),
  };
}

