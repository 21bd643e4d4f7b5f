/**
 * bull-board for the app's queues, served under /admin/queues. Its own
 * express app is returned as a handler: the caller puts the admin role in
 * front of it.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { RequestHandler } from 'express';

export function bullBoardHandler(queues: readonly Queue[], basePath: string): RequestHandler {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(basePath);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q)),
    // @bull-board/api is pinned to the exact version @bull-board/express depends on, so there is one copy of its types.
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'Pilotfish queues' } },
  });
  const app = adapter.getRouter() as RequestHandler & { disable(setting: string): unknown };
  // bull-board's app is mounted as a plain handler inside the admin router, so it
  // would otherwise add back the header helmet removes.
  app.disable('x-powered-by');
  return app;
}
