// Reload under load: a bounded stream of keep-alive requests while routes, weights and endpoints change ~50 times.
// Every request must succeed: a swap never drops, fails or misroutes a request.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as ir from '../../src/ir/types.ts';
import { startEcho, type Echo } from '../support/echo-server.ts';
import { startPlane } from './fixture.ts';
import { config, forwardTo, local, prefix, route, simpleListener } from './ir-builders.ts';

const REQUESTS = 2000;
const CONCURRENCY = 20;
const CHANGES = 50;

let echoes: Echo[];
before(async () => {
  echoes = await Promise.all(['a', 'b', 'c', 'd'].map((name) => startEcho({ name })));
});
after(async () => {
  await Promise.all(echoes.map((e) => e.close()));
});

/**
 * Version i: different route sets and weights; the `pool` cluster moves between endpoints, and endpoint d exists
 * only in odd versions, so its upstream pool is closed and reopened while requests run.
 */
function version(i: number): ir.ProxyConfig {
  const [a, b, c, d] = echoes.map((e) => local(e.port));
  const w = (i * 7) % 10;
  const routes = [
    route(`api-v${i}`, { path: prefix('/api'), action: forwardTo(['a', w], ['b', 10 - w], ['pool', i % 3]) }),
    ...(i % 2 === 0 ? [route('extra', { path: prefix('/api/extra'), action: forwardTo(['c', 1]) })] : []),
    route(`root-v${i}`, { path: prefix('/'), action: forwardTo(['pool', 1]) }),
  ];
  return config({
    version: String(i),
    listeners: [simpleListener(0, i % 2 === 0 ? routes : routes.reverse())],
    backends: { a: [a], b: [b], c: [c], pool: i % 2 === 0 ? [a] : [b, c, d] },
  });
}

function get(agent: http.Agent, port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(-1));
    });
    req.on('error', () => resolve(-1));
  });
}

test('no failed request while the config changes under load', async () => {
  const plane = await startPlane([version(0)]);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const statuses = new Map<number, number>();
  let sent = 0;
  let applied = 0;
  try {
    const worker = async () => {
      while (sent < REQUESTS) {
        const n = sent++;
        const status = await get(agent, plane.port, n % 2 === 0 ? `/api/item/${n}` : `/page/${n}`);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    const reloader = async () => {
      for (let i = 1; i <= CHANGES; i++) {
        // Spread the changes over the whole request stream, paced by progress rather than by the clock.
        while (sent < (i * REQUESTS) / (CHANGES + 1)) await sleep(1);
        await plane.apply([version(i)]);
        applied++;
      }
    };
    await Promise.all([reloader(), ...Array.from({ length: CONCURRENCY }, worker)]);
    assert.equal(applied, CHANGES);
    assert.deepEqual(Object.fromEntries(statuses), { 200: REQUESTS });
    assert.deepEqual(plane.warnings, []);
    assert.ok(echoes[3].count() > 0, 'endpoint d, added and removed with each version, served requests');
  } finally {
    agent.destroy();
    await plane.close();
  }
});
