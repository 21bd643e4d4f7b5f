import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from '#pkg/log/index.ts';
import { describeApiError, isConflict, isNotFound } from './errors.ts';

export interface LeaderElectorOptions {
  namespace: string;
  /** Lease name. */
  name: string;
  /** This candidate's identity (the pod name). */
  identity: string;
  logger: Logger;
  /** How long a lease holds without renewal. Default 15 000 ms (client-go). */
  leaseDurationMs?: number;
  /** A leader that has not renewed for this long steps down. Default 10 000 ms. */
  renewDeadlineMs?: number;
  /** Time between attempts to acquire or renew. Default 2 000 ms. */
  retryPeriodMs?: number;
  onStartedLeading?: () => void;
  onStoppedLeading?: () => void;
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it:
 * a candidate takes the lease when it is free or its holder has not renewed
 * within the lease duration (measured on this process's clock from when the
 * record was last seen to change, so clock skew between nodes does not
 * matter); writes carry the resourceVersion, so two candidates cannot both
 * win; a leader that cannot renew within the renew deadline stops acting.
 * On stop the lease is released for a fast hand-over.
 */
export class LeaderElector {
  readonly #api: CoordinationV1Api;
  readonly #o: Required<Omit<LeaderElectorOptions, 'onStartedLeading' | 'onStoppedLeading'>> & Pick<LeaderElectorOptions, 'onStartedLeading' | 'onStoppedLeading'>;
  #leading = false;
  #lastRenew = 0;
  #observed?: { record: string; at: number };
  #timer?: NodeJS.Timeout;
  #running = false;
  #inFlight?: Promise<void>;

  constructor(kc: KubeConfig, options: LeaderElectorOptions) {
    this.#api = kc.makeApiClient(CoordinationV1Api);
    this.#o = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...options };
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#tick();
  }

  /** Stops campaigning; a leader releases the lease. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#inFlight;
    if (this.#leading) {
      this.#setLeading(false);
      try {
        const lease = await this.#api.readNamespacedLease({ name: this.#o.name, namespace: this.#o.namespace });
        if (lease.spec?.holderIdentity === this.#o.identity) {
          lease.spec = { ...lease.spec, holderIdentity: undefined, renewTime: undefined, acquireTime: undefined };
          await this.#api.replaceNamespacedLease({ name: this.#o.name, namespace: this.#o.namespace, body: lease });
        }
      } catch (err) {
        this.#o.logger.warn({ err: describeApiError(err) }, 'could not release the lease');
      }
    }
  }

  #tick(): void {
    if (!this.#running) return;
    this.#inFlight = this.#attempt().finally(() => {
      this.#inFlight = undefined;
      if (this.#running) {
        this.#timer = setTimeout(() => this.#tick(), this.#o.retryPeriodMs);
        this.#timer.unref();
      }
    });
  }

  async #attempt(): Promise<void> {
    const now = Date.now();
    try {
      const ok = await this.#tryAcquireOrRenew(now);
      if (ok) {
        this.#lastRenew = now;
        if (!this.#leading) this.#setLeading(true);
        return;
      }
      if (this.#leading) this.#setLeading(false);
    } catch (err) {
      this.#o.logger.warn({ err: describeApiError(err) }, 'lease acquire/renew failed');
      if (this.#leading && Date.now() - this.#lastRenew >= this.#o.renewDeadlineMs) this.#setLeading(false);
    }
  }

  async #tryAcquireOrRenew(now: number): Promise<boolean> {
    const { name, namespace, identity } = this.#o;
    const spec = { holderIdentity: identity, leaseDurationSeconds: Math.ceil(this.#o.leaseDurationMs / 1000), renewTime: new V1MicroTime(now) };
    let lease: V1Lease;
    try {
      lease = await this.#api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      try {
        await this.#api.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec: { ...spec, acquireTime: new V1MicroTime(now), leaseTransitions: 0 } } });
        return true;
      } catch (e) {
        if (isConflict(e)) return false;
        throw e;
      }
    }
    const holder = lease.spec?.holderIdentity;
    const record = `${holder ?? ''}|${String(lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : '')}`;
    if (this.#observed?.record !== record) this.#observed = { record, at: now };
    const heldByOther = holder && holder !== identity;
    if (heldByOther && now < this.#observed.at + this.#o.leaseDurationMs) return false;
    const transitions = (lease.spec?.leaseTransitions ?? 0) + (holder === identity ? 0 : 1);
    const acquireTime = holder === identity && lease.spec?.acquireTime ? lease.spec.acquireTime : new V1MicroTime(now);
    try {
      await this.#api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec: { ...lease.spec, ...spec, acquireTime, leaseTransitions: transitions } } });
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  #setLeading(value: boolean): void {
    this.#leading = value;
    this.#o.logger.info({ lease: this.#o.name, identity: this.#o.identity }, value ? 'became leader' : 'stopped leading');
    if (value) this.#o.onStartedLeading?.();
    else this.#o.onStoppedLeading?.();
  }
}
