import type { Condition, QueueAutoscalerStatus } from './conditions.ts';

/** A QueueAutoscaler as stored by the API server (spec not yet validated). */
export interface QueueAutoscalerObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; generation?: number; resourceVersion?: string; annotations?: Record<string, string> };
  spec?: unknown;
  status?: Partial<QueueAutoscalerStatus> & { conditions?: Condition[] };
}

export function objectKey(obj: QueueAutoscalerObject): string {
  return `${obj.metadata?.namespace ?? 'default'}/${obj.metadata?.name ?? ''}`;
}
