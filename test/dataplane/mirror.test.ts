// RequestMirror over real sockets: the mirror gets a copy (after the rule's filters, body included), the client
// gets only the primary's answer, and a mirror that fails or never answers changes nothing for the client.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type * as ir from '../../src/ir/types.ts';
import { startEcho, type Echo } from '../support/echo-server.ts';
import { request } from '../support/http-client.ts';
import { startPlane, type Plane } from './fixture.ts';
import { config, local, prefix, route, simpleListener } from './ir-builders.ts';

type Seen = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };

/** Records every request; `next(path)` resolves when one for that path arrived. `answer: false` never answers. */
async function recorder(answer: boolean) {
  const seen: Seen[] = [];
  const waiting: { path: string; resolve: (s: Seen) => void }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      seen.push(s);
      for (const w of waiting.splice(0)) {
        if (s.url.startsWith(w.path)) w.resolve(s);
        else waiting.push(w);
      }
      if (answer) res.writeHead(500, { 'x-from': 'mirror' }).end('mirror answer');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    next: (path: string) => new Promise<Seen>((resolve) => {
      const s = seen.find((x) => x.url.startsWith(path));
      if (s) resolve(s);
      else waiting.push({ path, resolve });
    }),
    close: () => new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    }),
  };
}

let primary: Echo;
let mirror: Awaited<ReturnType<typeof recorder>>;
let silent: Awaited<ReturnType<typeof recorder>>;
let plane: Plane;

const mirrorTo = (cluster: string, fraction?: ir.RequestMirrorFilter['fraction']): ir.HttpFilter =>
  ({ type: 'RequestMirror', cluster, ...(fraction ? { fraction } : {}) });

before(async () => {
  primary = await startEcho({ name: 'primary' });
  mirror = await recorder(true);
  silent = await recorder(false);
  plane = await startPlane([
    config({
      listeners: [
        simpleListener(0, [
          route('modified', {
            path: prefix('/modified'),
            filters: [
              { type: 'RequestHeaderModifier', modifier: { set: [{ name: 'x-set', value: 'yes' }], add: [], remove: ['x-remove'] } },
              mirrorTo('m'),
            ],
          }),
          route('silent', { path: prefix('/silent'), filters: [mirrorTo('s')] }),
          route('never', { path: prefix('/never'), filters: [mirrorTo('m', { numerator: 0, denominator: 100 })] }),
          route('two', { path: prefix('/two'), filters: [mirrorTo('m'), mirrorTo('s')] }),
          route('plain', { path: prefix('/') }),
        ]),
      ],
      backends: { a: [local(primary.port)], m: [local(mirror.port)], s: [local(silent.port)] },
    }),
  ]);
});

after(async () => {
  await plane.close();
  await Promise.all([primary.close(), mirror.close(), silent.close()]);
});

test('the mirror gets the request as the rule filters left it; the client gets the primary answer', async () => {
  const res = await request(plane.port, '/modified/a?q=1', { headers: { 'x-remove': 'gone', 'x-keep': 'kept' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers['x-echo-name'], 'primary');
  assert.equal(res.headers['x-from'], undefined);
  const seen = await mirror.next('/modified/a');
  assert.equal(seen.url, '/modified/a?q=1');
  assert.equal(seen.headers['x-set'], 'yes');
  assert.equal(seen.headers['x-keep'], 'kept');
  assert.equal(seen.headers['x-remove'], undefined);
  assert.equal(res.json().headers['x-set'], 'yes');
});

test('a request body reaches both the primary and the mirror', async () => {
  const res = await request(plane.port, '/modified/body', { method: 'POST', body: 'payload-123', headers: { 'content-type': 'text/plain' } });
  assert.equal(res.status, 200);
  assert.equal(res.json().body, 'payload-123');
  const seen = await mirror.next('/modified/body');
  assert.equal(seen.method, 'POST');
  assert.equal(seen.body, 'payload-123');
});

test('a mirror that never answers does not hold the client', async () => {
  const res = await request(plane.port, '/silent/x', { method: 'POST', body: 'abc' });
  assert.equal(res.status, 200);
  assert.equal(res.json().body, 'abc');
  const seen = await silent.next('/silent/x');
  assert.equal(seen.body, 'abc');
});

test('every mirror of a rule gets a copy', async () => {
  const res = await request(plane.port, '/two/z');
  assert.equal(res.status, 200);
  await mirror.next('/two/z');
  await silent.next('/two/z');
});

test('a zero fraction never mirrors', async () => {
  for (let i = 0; i < 5; i++) assert.equal((await request(plane.port, `/never/${i}`)).status, 200);
  // A later always-mirrored request arriving proves earlier mirrors (had there been any) had their chance first.
  await request(plane.port, '/modified/after-never');
  await mirror.next('/modified/after-never');
  assert.equal(mirror.seen.filter((s) => s.url.startsWith('/never')).length, 0);
});

test('a mirror whose backend is down does not affect the client', async () => {
  const down = await recorder(true);
  await down.close();
  const c = config({
    listeners: [simpleListener(0, [route('m', { path: prefix('/'), filters: [mirrorTo('d')] })])],
    backends: { a: [local(primary.port)], d: [local(down.port)] },
  });
  const p2 = await startPlane([c]);
  try {
    const res = await request(p2.port, '/down', { method: 'POST', body: 'x' });
    assert.equal(res.status, 200);
    assert.equal(res.json().body, 'x');
  } finally {
    await p2.close();
  }
});
