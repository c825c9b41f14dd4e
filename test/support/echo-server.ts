// A backend for tests: answers every request with JSON {name, method, path, headers, body}, so a test sees which
// backend got the request and exactly what arrived. Responses carry `x-echo-name: <name>`.
// A request with `x-echo-hold: 1` is held until release() is called: that is how tests keep a request in flight
// without sleeping. `x-echo-cookies: a=1|b=2` answers one Set-Cookie line per entry; `x-echo-truncate: 1` sends
// the status line and part of the body, then drops the connection.
import http from 'node:http';

export type EchoRequest = {
  name: string;
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
};

export type Echo = {
  port: number;
  name: string;
  /** Requests currently held by `x-echo-hold: 1`. */
  held(): number;
  /** Answers every held request. */
  release(): void;
  /** How many requests this backend has answered or holds. */
  count(): number;
  close(): Promise<void>;
};

export async function startEcho(opts: { name: string; address?: string; port?: number }): Promise<Echo> {
  const holding: (() => void)[] = [];
  let count = 0;
  const server = http.createServer((req, res) => {
    count++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = () => {
        const payload: EchoRequest = {
          name: opts.name,
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        const body = JSON.stringify(payload);
        const headers: http.OutgoingHttpHeaders = {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-echo-name': opts.name,
        };
        const cookies = req.headers['x-echo-cookies'];
        if (typeof cookies === 'string') headers['set-cookie'] = cookies.split('|');
        res.writeHead(200, headers);
        if (req.headers['x-echo-truncate'] === '1') {
          res.write(body.slice(0, 5), () => res.destroy());
          return;
        }
        res.end(body);
      };
      if (req.headers['x-echo-hold'] === '1') holding.push(answer);
      else answer();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.address ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    name: opts.name,
    held: () => holding.length,
    release: () => holding.splice(0).forEach((answer) => answer()),
    count: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        holding.splice(0).forEach((answer) => answer());
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
