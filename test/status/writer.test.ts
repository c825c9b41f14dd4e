// The status writer against an in-memory API server: merge, compare, write, retry on conflict.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Condition } from '../../src/api/meta.ts';
import type { ObjectStatus } from '../../src/status/types.ts';
import { StatusWriter, type LiveObject, type StatusClient } from '../../src/status/writer.ts';

const OURS = 'portico.dev/gateway-controller';
const T0 = '2026-01-01T00:00:00Z';

function cond(type: string, status: 'True' | 'False', reason: string, gen = 1, lastTransitionTime?: string): Condition {
  return { type, status, reason, message: `${type} is ${status}`, observedGeneration: gen, ...(lastTransitionTime ? { lastTransitionTime } : {}) };
}

function route(conditions: Condition[], gen = 1): ObjectStatus {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: 'app', name: 'r', generation: gen,
    status: { parents: [{ parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }, controllerName: OURS, conditions }] },
  } as ObjectStatus;
}

function gateway(conditions: Condition[]): ObjectStatus {
  return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace: 'app', name: 'gw', generation: 1, status: { conditions } } as ObjectStatus;
}

/** One object per id; every write bumps resourceVersion; `conflicts` makes the next N writes answer 409. */
class FakeApi implements StatusClient {
  objects = new Map<string, LiveObject>();
  writes = 0;
  conflicts = 0;
  put(id: string, status?: unknown) {
    this.objects.set(id, { metadata: { resourceVersion: '1', generation: 1 }, ...(status ? { status } : {}) });
  }
  async get(s: ObjectStatus) {
    const o = this.objects.get(`${s.kind}/${s.name}`);
    return o ? structuredClone(o) : null;
  }
  async replaceStatus(s: ObjectStatus, object: LiveObject) {
    const id = `${s.kind}/${s.name}`;
    const cur = this.objects.get(id)!;
    if (this.conflicts > 0) {
      this.conflicts--;
      cur.metadata.resourceVersion = String(Number(cur.metadata.resourceVersion) + 1);
      throw Object.assign(new Error('409 conflict'), { code: 409 });
    }
    assert.equal(object.metadata.resourceVersion, cur.metadata.resourceVersion, 'writes carry the live resourceVersion');
    this.writes++;
    this.objects.set(id, { ...structuredClone(object), metadata: { ...cur.metadata, resourceVersion: String(Number(cur.metadata.resourceVersion) + 1) } });
  }
}

const clock = (iso: string) => () => new Date(iso);

test('writes a changed status once, then nothing while it stays the same', async () => {
  const api = new FakeApi();
  api.put('Gateway/gw');
  const w = new StatusWriter(api, { controllerName: OURS, now: clock(T0) });
  const first = await w.write([gateway([cond('Accepted', 'True', 'Accepted')])]);
  assert.deepEqual(first.written, ['Gateway app/gw']);
  const second = await w.write([gateway([cond('Accepted', 'True', 'Accepted')])]);
  assert.deepEqual(second, { written: [], unchanged: 1, gone: 0, failed: [] });
  assert.equal(api.writes, 1);
  assert.equal((api.objects.get('Gateway/gw')!.status as { conditions: Condition[] }).conditions[0]!.lastTransitionTime, T0);
});

test('keeps lastTransitionTime of an unchanged condition and stamps a changed one', async () => {
  const api = new FakeApi();
  api.put('Gateway/gw', { conditions: [cond('Accepted', 'True', 'Accepted', 1, T0), cond('Programmed', 'False', 'Pending', 1, T0)] });
  const later = '2026-01-02T00:00:00Z';
  const w = new StatusWriter(api, { controllerName: OURS, now: clock(later) });
  // Times computed elsewhere (the in-memory status store) do not count: the live object's do.
  await w.write([gateway([cond('Accepted', 'True', 'Accepted', 1, later), cond('Programmed', 'True', 'Programmed', 1, later)])]);
  const [accepted, programmed] = (api.objects.get('Gateway/gw')!.status as { conditions: Condition[] }).conditions;
  assert.equal(accepted!.lastTransitionTime, T0);
  assert.equal(programmed!.lastTransitionTime, later);
});

test("keeps other controllers' status.parents entries and replaces our stale ones", async () => {
  const api = new FakeApi();
  const theirs = { parentRef: { name: 'other-gw' }, controllerName: 'example.com/other', conditions: [cond('Accepted', 'False', 'NotAllowed', 1, T0)] };
  const staleOurs = { parentRef: { name: 'old-gw' }, controllerName: OURS, conditions: [cond('Accepted', 'True', 'Accepted', 1, T0)] };
  api.put('HTTPRoute/r', { parents: [theirs, staleOurs] });
  const w = new StatusWriter(api, { controllerName: OURS, now: clock(T0) });
  await w.write([route([cond('Accepted', 'True', 'Accepted')])]);
  const parents = (api.objects.get('HTTPRoute/r')!.status as { parents: { parentRef: { name: string }; controllerName: string }[] }).parents;
  assert.deepEqual(parents.map((p) => `${p.controllerName} ${p.parentRef.name}`), ['example.com/other other-gw', `${OURS} gw`]);
  assert.deepEqual(parents[0], theirs);
});

test('retries on a 409 conflict with the fresh object, and gives up after the set number of attempts', async () => {
  const api = new FakeApi();
  api.put('Gateway/gw');
  api.conflicts = 2;
  const w = new StatusWriter(api, { controllerName: OURS, now: clock(T0), attempts: 3 });
  assert.deepEqual((await w.write([gateway([cond('Accepted', 'True', 'Accepted')])])).written, ['Gateway app/gw']);

  const api2 = new FakeApi();
  api2.put('Gateway/gw');
  api2.conflicts = 5;
  const warnings: string[] = [];
  const w2 = new StatusWriter(api2, { controllerName: OURS, now: clock(T0), attempts: 3, warn: (m) => warnings.push(m) });
  const report = await w2.write([gateway([cond('Accepted', 'True', 'Accepted')])]);
  assert.equal(report.failed.length, 1);
  assert.match(report.failed[0]!, /Gateway app\/gw.*409/);
  assert.deepEqual(warnings, report.failed);
});

test('an object deleted meanwhile is skipped, and a failure on one object does not stop the others', async () => {
  const api = new FakeApi();
  api.put('Gateway/gw');
  const failing: StatusClient = {
    get: (s) => (s.kind === 'HTTPRoute' ? Promise.reject(new Error('boom')) : api.get(s)),
    replaceStatus: (s, o) => api.replaceStatus(s, o),
  };
  const w = new StatusWriter(failing, { controllerName: OURS, now: clock(T0) });
  const report = await w.write([route([cond('Accepted', 'True', 'Accepted')]), gateway([cond('Accepted', 'True', 'Accepted')])]);
  assert.equal(report.written.length, 1);
  assert.equal(report.failed.length, 1);
  const gone = await new StatusWriter(new FakeApi(), { controllerName: OURS }).write([gateway([])]);
  assert.equal(gone.gone, 1);
});
