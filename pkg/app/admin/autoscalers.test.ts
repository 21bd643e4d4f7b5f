import { describe, expect, it } from 'vitest';
import { delimiter } from 'node:path';
import { clusterConfigured } from './autoscalers.ts';

describe('clusterConfigured', () => {
  const none = () => false;
  it('is true inside a pod', () => {
    expect(clusterConfigured({ KUBERNETES_SERVICE_HOST: '10.0.0.1' }, none, '/home/u')).toBe(true);
  });
  it('is true when a KUBECONFIG file exists, false when none of them does', () => {
    const exists = (p: string) => p === '/etc/b.yaml';
    expect(clusterConfigured({ KUBECONFIG: ['/etc/a.yaml', '/etc/b.yaml'].join(delimiter) }, exists, '/home/u')).toBe(true);
    expect(clusterConfigured({ KUBECONFIG: '/etc/a.yaml' }, exists, '/home/u')).toBe(false);
  });
  it('looks for ~/.kube/config without KUBECONFIG', () => {
    expect(clusterConfigured({}, (p) => p === '/home/u/.kube/config', '/home/u')).toBe(true);
    expect(clusterConfigured({}, none, '/home/u')).toBe(false);
  });
});
