/**
 * The one wrapper every route goes through: authenticate, then require a role.
 * 401 without or with wrong credentials, 403 without the role; the principal
 * is left on `res.locals.principal` for the handler.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpError } from '#pkg/http/index.ts';
import type { Authenticator } from './auth.ts';
import type { Principal, Role } from './principal.ts';

export interface RequireRoleOptions {
  /** Called instead of a 401 when no credential was sent (the admin page redirects a browser to its sign-in form). */
  onUnauthenticated?: (req: Request, res: Response) => void;
}

export function requireRole(auth: Authenticator, role: Role, options: RequireRoleOptions = {}): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    auth.authenticate(req).then((principal) => {
      if (!principal) {
        if (options.onUnauthenticated) return options.onUnauthenticated(req, res);
        throw new HttpError(401, 'unauthorized', 'send an API key (Authorization: Bearer or x-api-key) or a JWT', { headers: { 'www-authenticate': 'Bearer' } });
      }
      if (!principal.roles.has(role)) throw new HttpError(403, 'forbidden', `role "${role}" is required`);
      res.locals.principal = principal;
      next();
    }).catch(next);
  };
}

export function principalOf(res: Response): Principal {
  const p = res.locals.principal as Principal | undefined;
  if (!p) throw new Error('principalOf called on a route that is not behind requireRole');
  return p;
}
