// `portico proxy` and `portico controller --proxy-config-listen` command lines.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/cli/args.ts';
import { parseControllerArgs } from '../../src/cli/controller-args.ts';
import { parseProxyArgs } from '../../src/cli/proxy-args.ts';

test('proxy: HOST:PORT becomes an https URL; Gateway and pod name may come from the environment', () => {
  const a = parseProxyArgs(['--controller', 'portico.portico-system.svc:9902'], { PORTICO_GATEWAY: 'apps/web', POD_NAME: 'web-portico-abc' });
  assert.ok(a !== 'help');
  assert.equal(a.controller.href, 'https://portico.portico-system.svc:9902/');
  assert.equal(a.gateway, 'apps/web');
  assert.equal(a.name, 'web-portico-abc');
  assert.equal(a.tokenFile, '/var/run/secrets/portico/token');
  assert.equal(a.caFile, '/var/run/secrets/portico/ca.crt');
  assert.deepEqual(a.admin, { host: '127.0.0.1', port: 9901 });
  assert.equal(a.listenAddress, null);
});

test('proxy: mistakes are usage errors that say what to type', () => {
  const fails = (argv: string[], re: RegExp) => assert.throws(() => parseProxyArgs(argv, {}), (e: unknown) => e instanceof UsageError && re.test(e.message));
  fails(['--gateway', 'a/b'], /--controller is missing/);
  fails(['--controller', 'x:1'], /--gateway is missing/);
  fails(['--controller', 'http://x:1', '--gateway', 'a/b'], /not https; the stream carries TLS private keys/);
  fails(['--controller', 'x:1', '--gateway', 'just-a-name'], /not NAMESPACE\/NAME/);
  fails(['--controller', 'x:1', '--gateway', 'a/b', '--listen-address', 'eth0'], /not an IP address/);
  fails(['--controller', 'x:1', '--gateway', 'a/b', '--admin', 'nope'], /--admin "nope" is not HOST:PORT/);
  fails(['--controler', 'x:1'], /portico proxy --help/);
});

test('controller: --proxy-config-listen', () => {
  const a = parseControllerArgs(['--proxy-config-listen', '127.0.0.1:0']);
  assert.ok(a !== 'help');
  assert.deepEqual(a.proxyConfigListen, { host: '127.0.0.1', port: 0 });
  assert.throws(() => parseControllerArgs(['--proxy-config-listen', 'x']), /--proxy-config-listen "x" is not HOST:PORT/);
});
