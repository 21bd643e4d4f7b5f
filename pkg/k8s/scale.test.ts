import { describe, expect, it } from 'vitest';
import { plural } from './scale.ts';

describe('plural', () => {
  it.each([
    ['Rollout', 'rollouts'], ['Gateway', 'gateways'], ['Policy', 'policies'], ['Ingress', 'ingresses'],
    ['Box', 'boxes'], ['Batch', 'batches'], ['Mesh', 'meshes'], ['CloneSet', 'clonesets'], ['Key', 'keys'],
  ])('%s → %s', (kind, expected) => expect(plural(kind)).toBe(expected));
});
