import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** Listens and resolves with the bound port (useful with port 0 in tests). */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export interface ServerOptions {
  /** Keep-alive idle timeout in ms. Default 65000, above common load balancer idle timeouts. */
  keepAliveTimeoutMs?: number;
}

export function createServer(handler: Handler, options: ServerOptions = {}): Server {
  const server = http.createServer({ keepAliveTimeout: options.keepAliveTimeoutMs ?? 65_000, noDelay: true }, (req, res) => {
    const out = handler(req, res);
    if (out && typeof (out as Promise<void>).catch === 'function') {
      (out as Promise<void>).catch(() => {
        if (!res.headersSent) { res.statusCode = 500; res.end(); } else res.destroy();
      });
    }
  });
  return server;
}

/** Stops accepting, lets in-flight requests finish, then drops idle keep-alive sockets. */
export function closeServer(server: Server, graceMs = 5000): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close(() => { clearTimeout(timer); resolve(); });
    server.closeIdleConnections();
  });
}
