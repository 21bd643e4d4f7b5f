/**
 * POST /mutate: one AdmissionReview in, one out. Pods that do not ask for
 * injection are answered without reading any config; a config that cannot
 * be read (API server down) admits the pod unchanged with a warning, as a
 * webhook that is down would under failurePolicy Ignore.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { HttpError, methodNotAllowed, notFound, parseJson, readBody, sendError, sendJson } from '#pkg/http/index.ts';
import { injectionPatch, parseInjectionAnnotations, type InjectionResult } from '#pkg/inject/index.ts';
import type { Logger } from '#pkg/log/index.ts';
import { admissionResponse, admitWithWarning, parseAdmissionReview, podDisplayName, type AdmissionReviewOut } from './admission.ts';
import type { InjectionConfigSource } from './config-source.ts';
import type { InjectorMetrics, ReviewOutcome } from './metrics.ts';

/** Pods are small; the API server's own request limit is 3 MiB. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface MutateHandlerOptions {
  configs: Pick<InjectionConfigSource, 'forNamespace'>;
  metrics: InjectorMetrics;
  logger: Logger;
}

export function createMutateHandler(o: MutateHandlerOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const started = performance.now();
    try {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/mutate') throw notFound();
      if (req.method !== 'POST') throw methodNotAllowed(['POST']);
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) throw new HttpError(415, 'unsupported_media_type', 'send application/json');
      let review;
      try {
        review = parseAdmissionReview(parseJson(await readBody(req, MAX_BODY_BYTES)));
      } catch (err) {
        if (err instanceof HttpError) throw err;
        throw new HttpError(400, 'invalid_review', (err as Error).message);
      }
      const { out, outcome, reason } = await decide(o, review);
      o.metrics.reviews.inc({ outcome, reason });
      o.metrics.duration.observe({ outcome }, (performance.now() - started) / 1000);
      sendJson(res, 200, out);
    } catch (err) {
      o.metrics.reviews.inc({ outcome: 'error', reason: err instanceof HttpError ? err.code : 'internal' });
      if (!(err instanceof HttpError)) o.logger.error({ err }, 'admission review failed');
      sendError(res, err);
    }
  };
}

async function decide(o: MutateHandlerOptions, review: ReturnType<typeof parseAdmissionReview>): Promise<{ out: AdmissionReviewOut; outcome: ReviewOutcome; reason: string }> {
  const pod = podDisplayName(review);
  if (review.operation !== 'CREATE') return { out: admissionResponse(review.uid, { skip: { code: 'not_create', message: '' } }), outcome: 'skipped', reason: 'not_create' };
  let result: InjectionResult;
  if (parseInjectionAnnotations(review.pod.metadata?.annotations).kind === 'none') {
    result = { skip: { code: 'not_requested', message: '' } };
  } else {
    let config;
    try {
      config = await o.configs.forNamespace(review.namespace);
    } catch (err) {
      o.logger.warn({ pod, err: String(err).slice(0, 300) }, 'injection config unreadable: pod admitted without sidecars');
      return { out: admitWithWarning(review.uid, 'pilotfish.dev/inject: the injection config could not be read; the pod was admitted without sidecars'), outcome: 'error', reason: 'config_unreadable' };
    }
    result = injectionPatch(review.pod, config);
  }
  const out = admissionResponse(review.uid, result);
  if ('patch' in result) {
    for (const s of result.injected) o.metrics.sidecars.inc({ sidecar: s });
    // No sidecar missing: a re-invocation that only gave a newly added container the URLs.
    const reason = result.injected.length ? 'injected' : 'env_only';
    o.logger.info({ pod, sidecars: result.injected, dryRun: review.dryRun }, reason === 'injected' ? 'sidecars injected' : 'sidecar URLs added to new containers');
    return { out, outcome: 'injected', reason };
  }
  if ('refuse' in result) {
    o.logger.info({ pod, reason: result.refuse.code, message: result.refuse.message, dryRun: review.dryRun }, 'pod refused');
    return { out, outcome: 'refused', reason: result.refuse.code };
  }
  if (result.skip.code !== 'not_requested') o.logger.info({ pod, reason: result.skip.code }, 'injection skipped');
  return { out, outcome: 'skipped', reason: result.skip.code };
}
