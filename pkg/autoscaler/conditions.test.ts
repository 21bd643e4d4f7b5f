import { describe, expect, it } from 'vitest';
import { buildConditions } from './conditions.ts';
import { recommend } from './recommend.ts';
import { queueReadings, specFor } from './testing.ts';
import { emptyHistory } from './types.ts';

const T = Date.UTC(2026, 0, 1);

describe('buildConditions', () => {
  it('reports a limited scale-up and keeps lastTransitionTime while a status holds', () => {
    const decision = recommend({ spec: specFor({ maxReplicas: 3 }), currentReplicas: 2, readings: queueReadings(100), history: emptyHistory(), now: T });
    const first = buildConditions({ previous: [], decision, generation: 4, now: T });
    const limited = first.find((c) => c.type === 'ScalingLimited');
    expect(limited).toMatchObject({ status: 'True', reason: 'TooManyReplicas', observedGeneration: 4 });
    const later = buildConditions({ previous: first, decision, generation: 4, now: T + 60_000 });
    expect(later.find((c) => c.type === 'ScalingLimited')?.lastTransitionTime).toBe(new Date(T).toISOString());
    expect(later.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'Reconciled' });
  });

  it('a blocked object is not Ready, with the reason users can act on', () => {
    const c = buildConditions({ previous: [], blocked: { reason: 'ConflictingHPA', message: 'HorizontalPodAutoscaler "w" also targets Deployment "w"' }, now: T });
    expect(c[0]).toMatchObject({ type: 'Ready', status: 'False', reason: 'ConflictingHPA' });
  });

  it('fallback sets Fallback True and Active Unknown', () => {
    const spec = specFor({ fallback: { failureThreshold: 1, replicas: 3 } });
    const decision = recommend({ spec, currentReplicas: 1, readings: { queue: { ok: false, error: 'down' } }, history: emptyHistory(), now: T });
    const c = buildConditions({ previous: [], decision, now: T });
    expect(c.find((x) => x.type === 'Fallback')?.status).toBe('True');
    expect(c.find((x) => x.type === 'Active')?.status).toBe('Unknown');
  });
});
