// The kept status order must equal a stable sort of each list it is given, whether it patches or sorts in full.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ObjectStatus } from '../../src/status/types.ts';
import { compareStatus, StatusOrder } from '../../src/translate/status-order.ts';

const status = (kind: string, name: string, namespace?: string): ObjectStatus =>
  ({ apiVersion: 'v1', kind, name, namespace, generation: 1, status: {} }) as unknown as ObjectStatus;

test('patched status order equals a stable sort, through adds, removals, equal keys and big changes', () => {
  const order = new StatusOrder();
  const routes = Array.from({ length: 200 }, (_, i) => status('HTTPRoute', `r${(i * 37) % 200}`, 'default'));
  let list: ObjectStatus[] = [status('GatewayClass', 'portico'), ...routes, status('Gateway', 'gw', 'default')];
  const check = (what: string) => assert.deepEqual(order.sorted(list), [...list].sort(compareStatus), what);
  check('the first list');
  list = [...list, status('HTTPRoute', 'added', 'default')];
  check('one added');
  list = list.filter((s) => s !== routes[5]);
  check('one removed');
  // A new Gateway status each time, as translation makes it.
  list = [...list.slice(0, -2), status('Gateway', 'gw', 'default'), list.at(-1)!];
  check('a status replaced by an equal-keyed new one');
  const twin = status('HTTPRoute', 'r7', 'default');
  list = [...list, twin];
  check('two statuses with one key');
  list = list.filter((s) => s !== twin);
  check('the twin gone');
  list = [...list, ...Array.from({ length: 100 }, (_, i) => status('GRPCRoute', `g${i}`, 'other'))];
  check('many added');
  check('nothing changed');
});

test('the same objects in another input order, or one given twice, still come out as a stable sort', () => {
  const order = new StatusOrder();
  const all = Array.from({ length: 50 }, (_, i) => status('HTTPRoute', `r${String(i).padStart(2, '0')}`, 'default'));
  const check = (list: ObjectStatus[], what: string) => assert.deepEqual(order.sorted(list), [...list].sort(compareStatus), what);
  check(all, 'the first list');
  check([all[30]!, ...all.filter((s) => s !== all[30])], 'one object moved to the front');
  check([...all.slice(0, 10), all[5]!, ...all.slice(10)], 'one object twice');
  check([...all].reverse(), 'all reversed');
  check(all.filter((_, i) => i % 7 !== 3), 'a few gone');
});
