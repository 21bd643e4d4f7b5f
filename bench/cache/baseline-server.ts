/**
 * Reference servers for bench:cache, run as their own process:
 *   const  node:http answering a constant 1 KB body: the ceiling of node:http here;
 *   lean   node:http + one auto-pipelined ioredis GET per request, no TTL, no
 *          metrics, no deadlines: the "lean node:http path" of the peers' note.
 * Usage: node bench/cache/baseline-server.ts <const|lean> <port> <redisPort> <key>
 */
import http from 'node:http';
import { Redis } from 'ioredis';

const [mode, port, redisPort, key] = process.argv.slice(2);
const body = Buffer.from(JSON.stringify({ doc: 'x'.repeat(1014) }));
let handler: http.RequestListener;
if (mode === 'const') {
  handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  };
} else {
  const redis = new Redis({ port: Number(redisPort), protocol: 2, enableAutoPipelining: true });
  handler = (_req, res) => {
    redis.getBuffer(key).then((value) => {
      if (value === null) { res.writeHead(404); res.end(); return; }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': value.length });
      res.end(value);
    }, () => { res.writeHead(503); res.end(); });
  };
}
http.createServer(handler).listen(Number(port), '127.0.0.1');
