// Filters on a backendRef apply only when that backend is chosen, after the rule's own filters.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type * as ir from '../../src/ir/types.ts';
import { startEcho, type Echo } from '../support/echo-server.ts';
import { request } from '../support/http-client.ts';
import { startPlane, type Plane } from './fixture.ts';
import { config, local, prefix, route, simpleListener } from './ir-builders.ts';

let a: Echo;
let b: Echo;
let plane: Plane;

const setHeader = (type: 'RequestHeaderModifier' | 'ResponseHeaderModifier', name: string, value: string): ir.HttpFilter =>
  ({ type, modifier: { set: [{ name, value }], add: [], remove: [] } });

before(async () => {
  a = await startEcho({ name: 'a' });
  b = await startEcho({ name: 'b' });
  plane = await startPlane([
    config({
      listeners: [
        simpleListener(0, [
          route('split', {
            path: prefix('/split'),
            filters: [setHeader('RequestHeaderModifier', 'x-rule', 'rule'), setHeader('RequestHeaderModifier', 'x-backend', 'from-rule')],
            action: {
              type: 'Forward',
              backends: [
                { cluster: 'a', weight: 1, filters: [setHeader('RequestHeaderModifier', 'x-backend', 'a'), setHeader('ResponseHeaderModifier', 'x-answered-by', 'a')] },
                { cluster: 'b', weight: 1, filters: [setHeader('RequestHeaderModifier', 'x-backend', 'b'), { type: 'URLRewrite', path: { type: 'ReplacePrefixMatch', value: '/b' } }] },
              ],
            },
          }),
          route('bad', {
            path: prefix('/bad'),
            action: { type: 'Forward', backends: [{ cluster: null, weight: 1, filters: [setHeader('ResponseHeaderModifier', 'x-bad', '1')] }] },
          }),
        ]),
      ],
      backends: { a: [local(a.port)], b: [local(b.port)] },
    }),
  ]);
});

after(async () => {
  await plane.close();
  await Promise.all([a.close(), b.close()]);
});

test('each backend gets only its own filters, after the rule filters', async () => {
  const seen = new Set<string>();
  for (let i = 0; seen.size < 2 && i < 200; i++) {
    const res = await request(plane.port, '/split/x');
    const body = res.json();
    seen.add(body.name);
    assert.equal(body.headers['x-rule'], 'rule');
    assert.equal(body.headers['x-backend'], body.name, 'the header names the backend that got the request');
    if (body.name === 'a') {
      assert.equal(res.headers['x-answered-by'], 'a');
      assert.equal(body.path, '/split/x');
    } else {
      assert.equal(res.headers['x-answered-by'], undefined);
      assert.equal(body.path, '/b/x');
    }
  }
  assert.deepEqual([...seen].sort(), ['a', 'b']);
});

test('an invalid backend with filters still answers 500, and its response filters apply', async () => {
  const res = await request(plane.port, '/bad');
  assert.equal(res.status, 500);
  assert.equal(res.headers['x-bad'], '1');
});
