/**
 * `POST /api/render` enqueues the render worker's job data (checked here with
 * the worker's own validator, so bad data is a 400 and never reaches the
 * queue); `GET /api/render/:id` reports the job's state and, once done, its
 * HTML. A job is visible only to the tenant that submitted it.
 */
import { Router, type RequestHandler } from 'express';
import type { Queue } from 'bullmq';
import { HttpError } from '#pkg/http/index.ts';
import { validateRenderJob } from '#pkg/render/index.ts';
import type { Authenticator } from '../auth.ts';
import { principalOf, requireRole } from '../rbac.ts';

export interface RenderRoutesDeps {
  auth: Authenticator;
  rateLimit: RequestHandler;
  /** Null when the app runs without Redis: the routes answer 503. */
  queue: Queue | null;
  /** False while the queue's Redis connection is down: answer 503 at once rather than wait for a reconnect. */
  queueReady?: () => boolean;
}

/** BullMQ job ids are generated here, so a caller cannot guess another tenant's by counting. */
const JOB_ID = /^[A-Za-z0-9-]{1,64}$/;

function unreachable(cause: unknown): never {
  throw new HttpError(503, 'render_unavailable', 'the render queue is unreachable', { cause, headers: { 'retry-after': '1' } });
}

export function renderRoutes(deps: RenderRoutesDeps): Router {
  const router = Router();
  const guard = [requireRole(deps.auth, 'render:submit'), deps.rateLimit];
  const queue = (): Queue => {
    if (!deps.queue) throw new HttpError(503, 'render_unavailable', 'render jobs need REDIS_URL, which is not set');
    if (deps.queueReady && !deps.queueReady()) unreachable(undefined);
    return deps.queue;
  };

  router.post('/api/render', ...guard, async (req, res) => {
    const job = validateRenderJob(req.body);
    const q = queue();
    const { tenant } = principalOf(res);
    const added = await q.add('render', { ...job, tenant }, { jobId: crypto.randomUUID(), removeOnComplete: { age: 24 * 3600, count: 10_000 }, removeOnFail: { age: 7 * 24 * 3600 } })
      .catch(unreachable);
    res.status(201).location(`/api/render/${added.id}`).json({ id: added.id });
  });

  router.get('/api/render/:id', ...guard, async (req, res) => {
    const id = String(req.params.id);
    if (!JOB_ID.test(id)) throw new HttpError(400, 'invalid_id', 'not a render job id');
    const job = await queue().getJob(id).catch(unreachable);
    // Another tenant's job answers exactly as a missing one: its existence is not the caller's to learn.
    if (!job || (job.data as { tenant?: unknown }).tenant !== principalOf(res).tenant) throw new HttpError(404, 'not_found', 'no such render job');
    const state = await job.getState();
    const body: Record<string, unknown> = { id, state };
    if (state === 'completed') body.html = (job.returnvalue as { html?: unknown } | null)?.html ?? null;
    if (state === 'failed') body.failedReason = job.failedReason;
    res.json(body);
  });
  return router;
}
