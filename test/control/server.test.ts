// The config server and the proxy's stream client over loopback HTTPS, with a stand-in for TokenReview: tokens are
// refused or accepted per ServiceAccount, configs arrive in order, reports come back, and a client whose server went
// away dials again and gets the config from the next one.
import assert from 'node:assert/strict';
import https from 'node:https';
import { after, before, test } from 'node:test';
import { issue, type ServingCert } from '../../src/control/certs.ts';
import { ConfigServer } from '../../src/control/server.ts';
import type { TokenReviewStatus } from '../../src/control/auth.ts';
import { StreamClient } from '../../src/cli/proxy-stream.ts';
import type { GatewayKey, ProxyConfig } from '../../src/ir/types.ts';

const GW = 'team/web' as GatewayKey;
const TOKENS: Record<string, TokenReviewStatus> = {
  good: { authenticated: true, user: { username: 'system:serviceaccount:team:web-portico' }, audiences: ['portico-proxy'] },
  other: { authenticated: true, user: { username: 'system:serviceaccount:team:api-portico' }, audiences: ['portico-proxy'] },
};
const reviewer = { review: async (t: string) => TOKENS[t] ?? { authenticated: false, error: 'unknown token' } };
const quiet = { info() {}, warn() {}, error() {} };
const config = (version: string) => ({ gateway: GW, version, addresses: [], listeners: [], backends: {}, secrets: {} }) as unknown as ProxyConfig;

let cert: ServingCert;
before(async () => {
  cert = await issue(['localhost', '127.0.0.1'], null);
});

function startServer(onChange = () => {}, port = 0) {
  const server = new ConfigServer({ cert, reviewer, serving: () => true, onChange, log: quiet });
  return { server, url: server.listen('127.0.0.1', port) };
}

function get(url: string, path: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(`${url}${path}`, { ca: cert.caCert, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
  });
}

/** A queue of what onConfig saw, awaitable one at a time. */
function recorder() {
  const seen: string[] = [];
  let waiting: ((v: string) => void) | null = null;
  return {
    push(v: string) {
      if (waiting) {
        const w = waiting;
        waiting = null;
        w(v);
      } else seen.push(v);
    },
    next(): Promise<string> {
      if (seen.length > 0) return Promise.resolve(seen.shift()!);
      return new Promise((r) => (waiting = r));
    },
  };
}

const servers: ConfigServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

test('no token, an unknown token and another Gateway\'s ServiceAccount are refused with a reason', async () => {
  const { server, url } = startServer();
  servers.push(server);
  const u = await url;
  const q = `/v1/config?gateway=${encodeURIComponent(GW)}&proxy=p1`;
  const none = await get(u, q);
  assert.equal(none.status, 401);
  assert.match(none.body, /no bearer token/);
  const unknown = await get(u, q, 'forged');
  assert.equal(unknown.status, 401);
  assert.match(unknown.body, /not accepted by the API server \(unknown token\)/);
  const other = await get(u, q, 'other');
  assert.equal(other.status, 403);
  assert.match(other.body, /api-portico may not read the config of Gateway team\/web/);
  assert.equal((await get(u, '/elsewhere', 'good')).status, 404);
});

test('configs arrive in order, reports come back, and a client dials again after the server goes', async () => {
  let changes = 0;
  const first = startServer(() => changes++);
  const url = await first.url;
  first.server.publish([config('v1')]);
  const applied = recorder();
  const client = new StreamClient({
    url: new URL(url), gateway: GW, proxy: 'p1',
    token: async () => 'good\n', ca: async () => cert.caCert, log: quiet,
    backoff: { initialMs: 10, maxMs: 50 },
    onConfig: async (c) => {
      applied.push(c.version);
      return { result: { gateway: c.gateway, version: c.version, listeners: [] } };
    },
  });
  // Reports are seen through the server's state once onChange fires after one.
  const waitReport = async (server: ConfigServer, version: string) => {
    while (server.proxies(GW).reports.get('p1')?.version !== version) await new Promise((r) => setTimeout(r, 10));
  };
  client.start();
  try {
    assert.equal(await applied.next(), 'v1');
    await waitReport(first.server, 'v1');
    assert.deepEqual(first.server.proxies(GW).connected, ['p1']);
    first.server.publish([config('v1')]);
    first.server.publish([config('v2')]);
    assert.equal(await applied.next(), 'v2');
    await waitReport(first.server, 'v2');
    assert.ok(changes >= 3);

    await first.server.close();
    const port = Number(new URL(url).port);
    const second = startServer(() => {}, port);
    servers.push(second.server);
    await second.url;
    second.server.publish([config('v3')]);
    assert.equal(await applied.next(), 'v3');
    await waitReport(second.server, 'v3');
  } finally {
    await client.stop();
  }
});

test('a config in another IR schema is not applied: the proxy reports why and keeps what it serves', async () => {
  const reports: string[] = [];
  const server = https.createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
    if (req.url?.startsWith('/v1/config')) {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(JSON.stringify({ type: 'config', schema: 99, config: config('v9') }) + '\n');
      return;
    }
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      reports.push(body);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  let applied = 0;
  const client = new StreamClient({
    url: new URL(`https://127.0.0.1:${(server.address() as { port: number }).port}`), gateway: GW, proxy: 'p1',
    token: async () => 'good', ca: async () => cert.caCert, log: quiet, backoff: { initialMs: 10, maxMs: 50 },
    onConfig: async (c) => {
      applied++;
      return { result: { gateway: c.gateway, version: c.version, listeners: [] } };
    },
  });
  client.start();
  try {
    while (reports.length === 0) await new Promise((r) => setTimeout(r, 10));
    const report = JSON.parse(reports[0]!) as { version: string; error?: string };
    assert.equal(report.version, 'v9');
    assert.match(report.error ?? '', /reads configuration schema \d+ but the controller sent schema 99; run the controller and its proxies at the same Portico version/);
    assert.equal(applied, 0);
  } finally {
    await client.stop();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
