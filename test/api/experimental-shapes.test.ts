// Shape checks for the experimental fields translate reads (ExternalAuth, sessionPersistence, XBackendTrafficPolicy):
// a malformed one is refused where it was read, instead of making translate() throw.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkObjectShape } from '../../src/api/schema.ts';

const route = (rule: Record<string, unknown>) => ({
  apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r' }, spec: { rules: [rule] },
});

test('well-formed ExternalAuth filters and sessionPersistence pass', () => {
  assert.equal(checkObjectShape(route({
    sessionPersistence: { sessionName: 's', type: 'Cookie', absoluteTimeout: '1h', cookieConfig: { lifetimeType: 'Permanent' } },
    filters: [{ type: 'ExternalAuth', externalAuth: { protocol: 'HTTP', backendRef: { name: 'auth', port: 80 }, http: { path: '/x', allowedHeaders: ['a'] }, forwardBody: { maxSize: 10 } } }],
  })), undefined);
});

test('malformed ones name the field', () => {
  const p = checkObjectShape(route({ filters: [{ type: 'ExternalAuth', externalAuth: { protocol: 'HTTP', backendRef: { name: 'a' }, http: { allowedHeaders: 'x-user' } } }] }));
  assert.match(p?.message ?? '', /externalAuth\.http\.allowedHeaders must be a list/);
  const s = checkObjectShape(route({ sessionPersistence: { absoluteTimeout: 5 } }));
  assert.match(s?.message ?? '', /sessionPersistence\.absoluteTimeout must be a string/);
});

test('XBackendTrafficPolicy needs targetRefs and typed retry settings', () => {
  const base = { apiVersion: 'gateway.networking.x-k8s.io/v1alpha1', kind: 'XBackendTrafficPolicy', metadata: { name: 'p' } };
  assert.match(checkObjectShape({ ...base, spec: {} })?.message ?? '', /targetRefs is required/);
  assert.match(checkObjectShape({ ...base, spec: { targetRefs: [{ group: '', kind: 'Service', name: 's' }], retryConstraint: { budget: { percent: '20%' } } } })?.message ?? '', /percent must be an integer/);
  assert.equal(checkObjectShape({ ...base, spec: { targetRefs: [{ group: '', kind: 'Service', name: 's' }], retryConstraint: { budget: { percent: 20, interval: '10s' } } } }), undefined);
});
