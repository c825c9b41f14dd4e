// In-process upstreams that answer 200 with their own name, so a test can tell which backend served a request.
import http from 'node:http';

export type NamedUpstream = { name: string; port: number; server: http.Server };

export async function startNamedUpstreams(names: readonly string[]): Promise<NamedUpstream[]> {
  return Promise.all(names.map((name) => new Promise<NamedUpstream>((resolve, reject) => {
    const server = http.createServer({ keepAliveTimeout: 60_000 }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(name) });
      res.end(name);
    });
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ name, port: (server.address() as { port: number }).port, server }));
  })));
}

export async function closeUpstreams(ups: readonly NamedUpstream[]): Promise<void> {
  await Promise.all(ups.map((u) => new Promise<void>((r) => { u.server.closeAllConnections(); u.server.close(() => r()); })));
}
