// The config stream's framing, the auth decision and the report summary, without a cluster.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decide, bearer, proxyUser } from '../../src/control/auth.ts';
import { summarise } from '../../src/control/reports.ts';
import { encodeMessage, LineDecoder, reportProblem, type ProxyReport } from '../../src/control/stream.ts';
import { IR_SCHEMA, type GatewayKey, type ProxyConfig } from '../../src/ir/types.ts';

const config = (version: string) => ({ gateway: 'ns/gw', version, addresses: [], listeners: [], backends: {}, secrets: {} }) as unknown as ProxyConfig;

test('messages survive being cut anywhere, multi-byte characters included', () => {
  const text = encodeMessage({ type: 'config', config: { ...config('v1'), note: 'café ✓' } as unknown as ProxyConfig }) + encodeMessage({ type: 'keepalive' });
  const bytes = Buffer.from(text);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const d = new LineDecoder();
    const got = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
    assert.equal(got.length, 2);
    assert.equal(got[0]!.type, 'config');
    assert.equal((got[0] as unknown as { config: { note: string } }).config.note, 'café ✓');
    assert.deepEqual(got[1], { type: 'keepalive' });
  }
});

test('config messages carry the IR schema they were written in; unstamped ones read as schema 1', () => {
  const [stamped] = new LineDecoder().push(Buffer.from(encodeMessage({ type: 'config', config: config('v1') })));
  assert.deepEqual(stamped, { type: 'config', schema: IR_SCHEMA, config: config('v1') });
  const [old] = new LineDecoder().push(Buffer.from(JSON.stringify({ type: 'config', config: config('v1') }) + '\n'));
  assert.equal((old as { schema: number }).schema, 1);
});

test('a line that is not a message is refused with a hint', () => {
  assert.throws(() => new LineDecoder().push(Buffer.from('nope\n')), /not JSON.*versions may not match/);
  assert.throws(() => new LineDecoder().push(Buffer.from('{"type":"other"}\n')), /unknown message "other"/);
  assert.throws(() => new LineDecoder().push(Buffer.from('{"type":"config","config":{}}\n')), /unknown message/);
});

test('reports are checked for shape', () => {
  assert.equal(reportProblem({ gateway: 'a/b', proxy: 'p', version: 'v', result: { gateway: 'a/b', version: 'v', listeners: [] } }), null);
  assert.equal(reportProblem({ gateway: 'a/b', proxy: 'p', version: 'v', error: 'boom' }), null);
  assert.match(reportProblem({ gateway: 'a/b', proxy: 'p', version: 'v' })!, /result or error/);
  assert.match(reportProblem([])!, /strings/);
  assert.match(reportProblem(null)!, /not a JSON object/);
});

test('only the Gateway\'s own proxy ServiceAccount may read its config', () => {
  assert.equal(proxyUser('team/web'), 'system:serviceaccount:team:web-portico');
  assert.deepEqual(decide({ authenticated: true, user: { username: 'system:serviceaccount:team:web-portico' }, audiences: ['portico-proxy'] }, 'team/web'),
    { ok: true, user: 'system:serviceaccount:team:web-portico' });
  const other = decide({ authenticated: true, user: { username: 'system:serviceaccount:team:api-portico' }, audiences: ['portico-proxy'] }, 'team/web');
  assert.equal(other.ok, false);
  assert.equal(!other.ok && other.status, 403);
  assert.match(!other.ok ? other.message : '', /system:serviceaccount:team:api-portico may not read the config of Gateway team\/web; only its proxies' ServiceAccount team\/web-portico may/);
  const sameNameOtherNs = decide({ authenticated: true, user: { username: 'system:serviceaccount:evil:web-portico' } }, 'team/web');
  assert.equal(!sameNameOtherNs.ok && sameNameOtherNs.status, 403);
  const bad = decide({ authenticated: false, error: 'token expired' }, 'team/web');
  assert.equal(!bad.ok && bad.status, 401);
  assert.match(!bad.ok ? bad.message : '', /token expired/);
  const none = decide(null, 'team/web');
  assert.equal(!none.ok && none.status, 401);
  const aud = decide({ authenticated: true, user: { username: 'system:serviceaccount:team:web-portico' }, audiences: ['https://kubernetes.default.svc'] }, 'team/web');
  assert.equal(!aud.ok && aud.status, 401);
});

test('bearer tokens are taken from the Authorization header only in the Bearer form', () => {
  assert.equal(bearer('Bearer abc.def'), 'abc.def');
  assert.equal(bearer('bearer abc'), 'abc');
  assert.equal(bearer('Basic abc'), null);
  assert.equal(bearer(undefined), null);
});

test('Programmed needs every connected proxy on the current version', () => {
  const gw = 'ns/gw' as GatewayKey;
  const ok = (proxy: string, version: string): ProxyReport => ({ gateway: gw, proxy, version, result: { gateway: gw, version, listeners: [{ address: '0.0.0.0', port: 80, bound: true }] } });
  assert.equal(summarise(gw, 'v2', { connected: [], reports: new Map() }).state, 'pending');
  const lagging = summarise(gw, 'v2', { connected: ['a', 'b'], reports: new Map([['a', ok('a', 'v2')], ['b', ok('b', 'v1')]]) });
  assert.deepEqual(lagging, { state: 'pending', message: '1 of 2 connected proxies report configuration v2 live' });
  const live = summarise(gw, 'v2', { connected: ['a', 'b'], reports: new Map([['a', ok('a', 'v2')], ['b', ok('b', 'v2')], ['gone', ok('gone', 'v1')]]) });
  assert.equal(live.state, 'live');
  // The same bind on two proxies is one listener result.
  assert.deepEqual(live.state === 'live' && live.result.listeners, [{ address: '0.0.0.0', port: 80, bound: true }]);
  const failed = summarise(gw, 'v2', { connected: ['a'], reports: new Map([['a', { gateway: gw, proxy: 'a', version: 'v2', error: 'invalid config' }]]) });
  assert.deepEqual(failed, { state: 'failed', message: 'proxy a could not apply configuration v2: invalid config' });
});
