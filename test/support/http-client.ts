// A tiny HTTP/1.1 client for tests: unlike fetch it lets a test set Host, and it keeps the answer raw.
import http from 'node:http';

export type Answer = { status: number; headers: http.IncomingHttpHeaders; body: string; json: () => any };

export type RequestOptions = {
  host?: string;
  method?: string;
  headers?: Record<string, string>;
  address?: string;
  agent?: http.Agent | false;
  body?: string;
};

export function request(port: number, path: string, opts: RequestOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.host) headers.host = opts.host;
    const req = http.request(
      { host: opts.address ?? '127.0.0.1', port, path, method: opts.method ?? 'GET', headers, agent: opts.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Retries `probe` until it returns true, a bounded number of times: a readiness wait, not a timing assertion. */
export async function eventually(probe: () => Promise<boolean>, what: string, tries = 200, everyMs = 50): Promise<void> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      if (await probe()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`gave up waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
