// Client-certificate validation on an HTTPS port, with real sockets on 127.0.0.1: AllowValidOnly refuses handshakes
// without a certificate of the configured CA, AllowInsecureFallback asks for one and serves everyone, and a new config
// changes what new handshakes need.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, test } from 'node:test';
import type * as ir from '../../src/ir/types.ts';
import { makeCa, makeSigned, type KeyPair } from '../support/ca.ts';
import { startEcho, type Echo } from '../support/echo-server.ts';
import { startPlane, type Plane } from './fixture.ts';
import { httpsConfig } from './https-support.ts';
import { forwardTo, local, route } from './ir-builders.ts';

let echo: Echo;
let serverCa: KeyPair, server: KeyPair, clientCa: KeyPair, client: KeyPair, stranger: KeyPair, impostor: KeyPair;
before(async () => {
  echo = await startEcho({ name: 'backend' });
  serverCa = makeCa('server-ca');
  server = makeSigned(serverCa, 'example.org', ['example.org']);
  clientCa = makeCa('client-ca');
  client = makeSigned(clientCa, 'client');
  stranger = makeSigned(makeCa('other-ca'), 'stranger');
  // Another CA with the same name as the trusted one (the conformance suite makes its CAs so): the signature check
  // fails, which is what broke connections after the handshake.
  impostor = makeSigned(makeCa('client-ca'), 'impostor', [], true);
});

function withValidation(mode: ir.ClientValidation['mode'] | null): ir.ProxyConfig {
  // Forwarded, not answered by the gateway itself: a failure that surfaces on a later read shows only then.
  const routes = [route('to-backend', { action: forwardTo(['backend', 1]) })];
  const config = httpsConfig(0, [{ listener: 'https', hostname: null, pair: server, routes }], { backend: [local(echo.port)] });
  if (mode === null) return config;
  const [l] = config.listeners as [ir.HttpsListener];
  return { ...config, listeners: [{ ...l, clientValidation: { caCertificates: [clientCa.certificate], mode } }] };
}

type Outcome = { status: number } | { error: string };

/** GET / with SNI example.org, optionally presenting `cert`; resolves whatever happens. */
function get(port: number, cert?: KeyPair): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request({
      host: '127.0.0.1', port, path: '/', servername: 'example.org', headers: { host: 'example.org' }, ca: serverCa.certificate,
      agent: false, ...(cert ? { cert: cert.certificate, key: cert.privateKey } : {}),
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.once('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end();
  });
}

let plane: Plane;
after(async () => {
  await plane?.close();
  await echo.close();
});

test('AllowValidOnly: a certificate of the configured CA is served; another CA or none fails the handshake', async () => {
  plane = await startPlane([withValidation('AllowValidOnly')]);
  const ok = await get(plane.port, client);
  assert.deepEqual('status' in ok ? ok.status : ok, 200);
  assert.ok('error' in (await get(plane.port, stranger)), 'a certificate of another CA is refused');
  assert.ok('error' in (await get(plane.port, impostor)), 'a certificate of another CA of the same name is refused');
  assert.ok('error' in (await get(plane.port)), 'no certificate is refused');
});

test('AllowInsecureFallback: valid, invalid and missing certificates are all served', async () => {
  await plane.apply([withValidation('AllowInsecureFallback')]);
  for (const [what, cert] of [['valid', client], ['of another CA', stranger], ['of a CA of the same name', impostor], ['missing', undefined]] as const) {
    const r = await get(plane.port, cert);
    assert.equal('status' in r ? r.status : r.error, 200, `client certificate ${what}`);
  }
});

test('removing validation serves clients without a certificate; adding it back refuses them again', async () => {
  await plane.apply([withValidation(null)]);
  const open = await get(plane.port);
  assert.equal('status' in open ? open.status : open.error, 200);
  await plane.apply([withValidation('AllowValidOnly')]);
  assert.ok('error' in (await get(plane.port)));
  const ok = await get(plane.port, client);
  assert.equal('status' in ok ? ok.status : ok.error, 200);
});
