// The floor: a plain Node reverse proxy with no routing, filters, metrics or logs, in one of two styles.
//   node bench/dataplane/floor-proxy.ts undici|http PORT UPSTREAM_PORT
// Portico's extra logic must not sink it below these.
import http from 'node:http';
import { Pool } from 'undici';

const [kind, portArg, upstreamArg] = process.argv.slice(2);
const port = Number(portArg), upstreamPort = Number(upstreamArg);
if (!['undici', 'http'].includes(kind) || !port || !upstreamPort) {
  console.error('usage: node bench/dataplane/floor-proxy.ts undici|http PORT UPSTREAM_PORT');
  process.exit(2);
}

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host']);

function endToEnd(headers: http.IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP.has(k)) out[k] = v;
  return out;
}

let handler: http.RequestListener;
if (kind === 'undici') {
  const pool = new Pool(`http://127.0.0.1:${upstreamPort}`, { connections: 128 });
  handler = (req, res) => {
    const bodyless = req.method === 'GET' || req.method === 'HEAD';
    pool.stream(
      { path: req.url!, method: req.method as 'GET', headers: endToEnd(req.headers), body: bodyless ? null : req },
      ({ statusCode, headers }) => {
        res.writeHead(statusCode, endToEnd(headers));
        return res;
      },
      (err) => {
        if (err && !res.headersSent) { res.statusCode = 502; res.end(); } else if (err) res.destroy();
      },
    );
  };
} else {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  handler = (req, res) => {
    const up = http.request({ host: '127.0.0.1', port: upstreamPort, path: req.url, method: req.method, headers: endToEnd(req.headers), agent }, (ures) => {
      res.writeHead(ures.statusCode ?? 502, endToEnd(ures.headers));
      ures.pipe(res);
    });
    up.on('error', () => { if (!res.headersSent) { res.statusCode = 502; res.end(); } else res.destroy(); });
    req.pipe(up);
  };
}

const server = http.createServer({ keepAliveTimeout: 300_000 }, handler);
server.listen(port, '127.0.0.1');
process.once('SIGTERM', () => { server.close(); process.exit(0); });
