// Certificate rotation end to end, as cert-manager does it: the Secret a running Gateway uses is rewritten with a
// renewed certificate. New handshakes get the new certificate; a connection opened before keeps working, on its own.
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { makeCert, type Pair } from '../dataplane/https-support.ts';
import { startEcho } from '../support/echo-server.ts';
import { eventually } from '../support/http-client.ts';
import { startPortico } from '../support/portico-process.ts';
import { backendYaml, freePort, gatewayYaml as fixtureGateway, tempDir } from './fixtures.ts';

function gatewayYaml(port: number): string {
  return fixtureGateway(port, `{name: https, protocol: HTTPS, port: ${port}, tls: {certificateRefs: [{name: site-cert}]}}`) + `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: web, port: 80}]}]
`;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const secretYaml = (p: Pair) => `apiVersion: v1
kind: Secret
metadata: {name: site-cert}
type: kubernetes.io/tls
data: {tls.crt: ${b64(p.certificate)}, tls.key: ${b64(p.privateKey)}}
`;

type Seen = { status: number; serial: string };

/** GET / over a new connection (trusting both certificates); reports the serial of the certificate it got. */
function get(port: number, ca: string[]): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', servername: 'site.example', headers: { host: 'site.example' }, ca, agent: false }, (res) => {
      const serial = (res.socket as TLSSocket).getPeerCertificate().serialNumber;
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, serial }));
    });
    req.once('error', reject);
    req.end();
  });
}

/**
 * A POST whose body is still being sent: the connection is busy across the renewal (an idle keep-alive one could be
 * closed by its idle timeout on a slow machine, which would prove nothing).
 */
function openUpload(port: number, ca: string[]) {
  const upload = { serial: '', finish: (_last: string): void => {}, answer: undefined as unknown as Promise<{ status: number; body: string }> };
  upload.answer = new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/upload', method: 'POST', servername: 'site.example', headers: { host: 'site.example' }, ca, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('error', reject);
    req.once('socket', (s) => (s as TLSSocket).once('secureConnect', () => (upload.serial = (s as TLSSocket).getPeerCertificate().serialNumber)));
    upload.finish = (last) => void req.end(last);
    req.write('started before the renewal;');
  });
  return upload;
}

test('a renewed Secret: new handshakes get the new certificate, an open connection is not cut', async (t) => {
  const before = makeCert('site.example');
  const renewed = makeCert('site.example');
  const [oldSerial, newSerial] = [before, renewed].map((p) => new X509Certificate(p.certificate).serialNumber);
  const web = await startEcho({ name: 'web' });
  const port = await freePort();
  const dir = await tempDir({ 'gw.yaml': gatewayYaml(port), 'backend.yaml': backendYaml('web', web.port), 'secret.yaml': secretYaml(before) });
  const portico = startPortico(['-f', dir]);
  t.after(async () => {
    await portico.stop();
    await web.close();
    await rm(dir, { recursive: true, force: true });
  });
  const ca = [before.certificate, renewed.certificate];
  const why = () => `\n--- portico output ---\n${portico.output()}`;

  await eventually(async () => (await get(port, ca)).status === 200, 'the HTTPS listener to serve').catch((e) => assert.fail(e.message + why()));
  assert.equal((await get(port, ca)).serial, oldSerial);
  const upload = openUpload(port, ca);
  await eventually(async () => upload.serial !== '', 'the upload connection to be established');
  assert.equal(upload.serial, oldSerial);

  await writeFile(join(dir, 'secret.yaml'), secretYaml(renewed));
  await eventually(async () => (await get(port, ca)).serial === newSerial, 'new handshakes to get the renewed certificate')
    .catch((e) => assert.fail(e.message + why()));

  upload.finish('finished after it');
  const done = await upload.answer;
  assert.equal(done.status, 200, 'the connection opened before the renewal was not cut');
  assert.equal(JSON.parse(done.body).body, 'started before the renewal;finished after it');
});
