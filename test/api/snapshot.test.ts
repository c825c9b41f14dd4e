import { test } from 'node:test';
import assert from 'node:assert/strict';
import { snapshotOf, objectId } from '../../src/api/snapshot.ts';

test('snapshotOf sorts by namespace and name and drops unknown kinds', () => {
  const mk = (kind: string, ns: string, name: string) => ({ apiVersion: 'v1', kind, metadata: { namespace: ns, name } });
  const s = snapshotOf([mk('Service', 'b', 'x'), mk('Service', 'a', 'y'), mk('Pod', 'a', 'p')]);
  assert.deepEqual(s.services.map(objectId), ['Service/a/y', 'Service/b/x']);
});
