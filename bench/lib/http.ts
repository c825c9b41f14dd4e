// Minimal HTTP GET helpers for readiness checks and probes, on one keep-alive agent.
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

export type Reply = { status: number; body: string };

export function get(port: number, path: string, timeoutMs = 5000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET 127.0.0.1:${port}${path} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** Polls until `path` answers 200; throws with the last answer when `timeoutMs` runs out. */
export async function waitFor200(port: number, path: string, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const r = await get(port, path);
      if (r.status === 200) return;
      last = `status ${r.status}: ${r.body.slice(0, 200)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: GET 127.0.0.1:${port}${path} did not answer 200 within ${timeoutMs} ms (last: ${last})`);
}

export function closeAgent(): void {
  agent.destroy();
}
