/** Shared by the suites that start the controller binary. */

/**
 * A spec file for `--dry-run --file`: Secret apps/redis holding `redisUrl`,
 * Deployment apps/worker at 1 replica, and QueueAutoscaler apps/render on
 * queue `queueName` at 5 jobs a replica (at most 10).
 */
export function dryRunSpecFile(queueName: string, redisUrl: string): string {
  return [
    'apiVersion: v1', 'kind: Secret', 'metadata: { name: redis, namespace: apps }', `stringData: { url: "${redisUrl}" }`, '---',
    'apiVersion: apps/v1', 'kind: Deployment', 'metadata: { name: worker, namespace: apps }', 'spec: { replicas: 1 }', '---',
    'apiVersion: autoscaling.pilotfish.dev/v1alpha1', 'kind: QueueAutoscaler', 'metadata: { name: render, namespace: apps }',
    'spec:', '  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: worker }',
    `  queue: { name: ${queueName}, connection: { secretRef: { name: redis, key: url } } }`,
    '  maxReplicas: 10', '  targets: { backlogPerReplica: 5 }', '',
  ].join('\n');
}
