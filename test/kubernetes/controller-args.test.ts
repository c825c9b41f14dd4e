// `portico controller` command line; needs no cluster.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/cli/args.ts';
import { controller } from '../../src/cli/controller.ts';
import { parseControllerArgs } from '../../src/cli/controller-args.ts';

test('defaults: host infrastructure, admin on 127.0.0.1:9901, default kubeconfig, no pool', () => {
  assert.deepEqual(parseControllerArgs([]), {
    kubeconfig: null, admin: { host: '127.0.0.1', port: 9901 }, infrastructure: 'host', addressPool: null, logLevel: 'info',
    leaderElect: true, leaseNamespace: null, leaseName: 'portico-controller', gatewayClasses: [], proxyImage: 'portico:latest', proxyControllerAddress: 'portico.portico-system.svc:9902',
    proxyConfigListen: { host: '0.0.0.0', port: 9902 }, hostService: true,
  });
});

test('every option is read', () => {
  const a = parseControllerArgs(['--kubeconfig', '/k', '--admin', '0.0.0.0:9000', '--infrastructure', 'host', '--gateway-address-pool', '10.250.0.0/24', '--log-level', 'debug']);
  assert.deepEqual(a, { kubeconfig: '/k', admin: { host: '0.0.0.0', port: 9000 }, infrastructure: 'host', addressPool: '10.250.0.0/24', logLevel: 'debug', leaderElect: true, leaseNamespace: null, leaseName: 'portico-controller', gatewayClasses: [], proxyImage: 'portico:latest', proxyControllerAddress: 'portico.portico-system.svc:9902', proxyConfigListen: { host: '0.0.0.0', port: 9902 }, hostService: true });
  assert.equal(parseControllerArgs(['-h']), 'help');
  const off = parseControllerArgs(['--host-service=false', '--leader-elect=false']) as Exclude<ReturnType<typeof parseControllerArgs>, 'help'>;
  assert.deepEqual([off.hostService, off.leaderElect], [false, false]);
  assert.equal((parseControllerArgs(['--no-host-service']) as { hostService: boolean }).hostService, false);
});

test('mistakes are usage errors that say what to type', () => {
  assert.throws(() => parseControllerArgs(['--infrastructure', 'cloud']), (e: unknown) => e instanceof UsageError && /--infrastructure host or --infrastructure kubernetes/.test(e.message));
  assert.throws(() => parseControllerArgs(['--kubeconfg', 'x']), (e: unknown) => e instanceof UsageError && /portico controller --help/.test(e.message));
  assert.throws(() => parseControllerArgs(['--log-level', 'loud']), UsageError);
  assert.throws(() => parseControllerArgs(['--host-service=maybe']), (e: unknown) => e instanceof UsageError && /--host-service=false to turn it off/.test(e.message));
});

test('--infrastructure kubernetes with an address pool exits 2: the Service gives the address', async () => {
  const write = process.stderr.write;
  let said = '';
  process.stderr.write = ((chunk: string) => ((said += chunk), true)) as typeof process.stderr.write;
  try {
    assert.equal(await controller({ ...(parseControllerArgs(['--infrastructure', 'kubernetes', '--gateway-address-pool', '10.250.0.0/24']) as Exclude<ReturnType<typeof parseControllerArgs>, 'help'>) }), 2);
  } finally {
    process.stderr.write = write;
  }
  assert.match(said, /gateway-address-pool/);
});

test('a bad pool or an unreadable kubeconfig exits 2 with the reason', async () => {
  const write = process.stderr.write;
  let said = '';
  process.stderr.write = ((chunk: string) => ((said += chunk), true)) as typeof process.stderr.write;
  try {
    const args = parseControllerArgs(['--gateway-address-pool', 'nope', '--log-level', 'silent']) as Exclude<ReturnType<typeof parseControllerArgs>, 'help'>;
    assert.equal(await controller(args), 2);
    assert.equal(await controller({ ...args, addressPool: null, kubeconfig: '/nonexistent/kubeconfig' }), 2);
  } finally {
    process.stderr.write = write;
  }
  assert.match(said, /not an IPv4 CIDR/);
  assert.match(said, /\/nonexistent\/kubeconfig/);
});
