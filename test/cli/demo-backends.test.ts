import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifests } from '../../src/sources/parse.ts';
import { snapshotOf } from '../../src/api/snapshot.ts';
import { DemoBackends, demoEndpoints } from '../../src/cli/demo-backends.ts';
import { request } from '../support/http-client.ts';
import { backendYaml } from './fixtures.ts';
import net from 'node:net';

const annotated = (name: string, port: number) =>
  backendYaml(name, port).replace(`metadata: {name: ${name}}`, `metadata: {name: ${name}, annotations: {portico.dev/demo-backend: "true"}}`);

const snap = (text: string) => snapshotOf(parseManifests(text, 'x.yaml').map((p) => p.object));

test('only annotated Services with ready endpoints get a demo backend', () => {
  const eps = demoEndpoints(snap(annotated('web', 18080) + '---\n' + backendYaml('plain', 18081)));
  assert.deepEqual([...eps.keys()], ['127.0.0.1|18080']);
  assert.equal(eps.get('127.0.0.1|18080')!.service, 'web');
});

test('demo backends answer with the Service name and stop when it goes away', async (t) => {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  const logs: string[] = [];
  const log = { info: (_f: object, m: string) => logs.push(m), warn: (_f: object, m: string) => logs.push(m) };
  const demo = new DemoBackends(log);
  t.after(() => demo.close());
  await demo.sync(snap(annotated('web', port)));
  const r = await request(port, '/x');
  assert.equal(r.json().name, 'web');
  assert.equal(r.json().path, '/x');
  await demo.sync(snap(''));
  await assert.rejects(request(port, '/x'));
});

test('a demo backend is started only on a loopback address, whatever its spelling', async (t) => {
  const logs: string[] = [];
  const log = { info: (_f: object, m: string) => logs.push(m), warn: (_f: object, m: string) => logs.push(m) };
  const demo = new DemoBackends(log);
  t.after(() => demo.close());
  await demo.sync(snap(annotated('far', 18090).replace('addresses: [127.0.0.1]', 'addresses: [10.1.2.3]')));
  assert.match(logs.join('\n'), /10\.1\.2\.3 is not a loopback address; use 127\.0\.0\.1/);
});
