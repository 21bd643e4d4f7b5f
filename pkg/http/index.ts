export { HttpError, notFound, methodNotAllowed, payloadTooLarge, unauthorized } from './errors.ts';
export { readBody, readChunks, parseJson, type BodyCallback } from './body.ts';
export { sendJson, sendError } from './respond.ts';
export { createServer, listen, closeServer, type Handler, type ServerOptions } from './server.ts';
export { createAdminServer, type AdminOptions, type Readiness } from './admin.ts';
export { onShutdown, runMain, type Closer } from './lifecycle.ts';
