import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { startTcpEcho } from '../../conformance/pods/tcp-echo.ts';
import type { PodServer } from '../../conformance/pods/types.ts';
import { fakePod, freePort, lineReader, selfSigned, type FakePod, type KeyPair } from './fixtures.ts';

const IP = '127.0.11.1';

function podEnv(tcpPort: number, tlsPort: number): Record<string, string> {
  return {
    TCP_ECHO_SERVER: '1',
    POD_NAME: 'tcp-backend-7d9f-abcde',
    NAMESPACE: 'gateway-conformance-infra',
    TLS_SERVER_CERT: '/etc/secret-volume/crt',
    TLS_SERVER_PRIV_KEY: '/etc/secret-volume/key',
    TCP_PORT: String(tcpPort),
    TLS_PORT: String(tlsPort),
  };
}

describe('tcp echo (echo-basic TCP mode)', () => {
  let pod: FakePod;
  let server: PodServer;
  let tcpPort: number;
  let tlsPort: number;
  let keyPair: KeyPair;

  before(async () => {
    keyPair = selfSigned('abc.example.com');
    tcpPort = await freePort(IP, 'tcp');
    tlsPort = await freePort(IP, 'tcp');
    // The Secret is not there yet: the TLS listener must still come up and read it when a client connects.
    pod = fakePod(IP, podEnv(tcpPort, tlsPort));
    server = await startTcpEcho(pod);
  });
  after(() => server.close());

  it('answers the welcome line, PING, IS_TLS and TEST in plain text', async () => {
    const socket = net.connect(tcpPort, IP);
    const lines = lineReader(socket);
    assert.equal(await lines.next(), 'Gateway API Test TCP Server');
    socket.write('PING\n');
    assert.equal(await lines.next(), 'PONG');
    socket.write('IS_TLS\n');
    assert.equal(await lines.next(), 'false');
    socket.write('unknown command\nTEST\n');
    assert.equal(
      await lines.next(),
      `{"namespace":"gateway-conformance-infra","ingress":"","service":"","pod":"tcp-backend-7d9f-abcde",` +
        `"tcpport":"${tcpPort}","tlsport":"${tlsPort}","isTLS":false}`,
    );
    socket.end();
    await once(socket, 'close');
  });

  it('answers a last line sent without a newline before the client half-closes, and CRLF lines', async () => {
    const socket = net.connect({ port: tcpPort, host: IP, allowHalfOpen: true });
    const lines = lineReader(socket);
    assert.equal(await lines.next(), 'Gateway API Test TCP Server');
    socket.write('IS_TLS\r\n');
    assert.equal(await lines.next(), 'false');
    socket.end('PING');
    assert.equal(await lines.next(), 'PONG');
    await once(socket, 'close');
  });

  it('closes TLS connections while the key pair is not readable, then serves TLS once it is', async () => {
    const failed = tls.connect({ port: tlsPort, host: IP, servername: 'abc.example.com', ca: keyPair.cert });
    const [err] = await once(failed, 'error');
    assert.match(String((err as Error).message), /socket disconnected|ECONNRESET|closed/i);
    assert.ok(pod.logs.some((l) => l.includes('TLS_SERVER_CERT=/etc/secret-volume/crt is not readable')), pod.logs.join('\n'));

    pod.files.set('/etc/secret-volume/crt', keyPair.cert);
    pod.files.set('/etc/secret-volume/key', keyPair.key);
    const socket = tls.connect({ port: tlsPort, host: IP, servername: 'abc.example.com', ca: keyPair.cert, minVersion: 'TLSv1.2' });
    const lines = lineReader(socket);
    assert.equal(await lines.next(), 'Gateway API Test TCP Server');
    socket.write('IS_TLS\n');
    assert.equal(await lines.next(), 'true');
    socket.write('PING\n');
    assert.equal(await lines.next(), 'PONG');
    socket.write('TEST\n');
    const payload = JSON.parse(await lines.next());
    assert.deepEqual(Object.keys(payload), ['namespace', 'ingress', 'service', 'pod', 'tcpport', 'tlsport', 'isTLS', 'tls']);
    assert.equal(payload.isTLS, true);
    assert.equal(payload.pod, 'tcp-backend-7d9f-abcde');
    assert.equal(payload.tls.version, 'TLS 1.3');
    assert.equal(payload.tls.serverName, 'abc.example.com');
    assert.equal(payload.tls.negotiatedProtocol, undefined, 'the real server offers no ALPN');
    assert.match(payload.tls.cipherSuite, /^TLS_/);
    socket.end();
    await once(socket, 'close');
  });

  it('reports TLS 1.2 and no SNI as Go does', async () => {
    const socket = tls.connect({ port: tlsPort, host: IP, ca: keyPair.cert, maxVersion: 'TLSv1.2', checkServerIdentity: () => undefined });
    const lines = lineReader(socket);
    assert.equal(await lines.next(), 'Gateway API Test TCP Server');
    socket.write('TEST\n');
    const payload = JSON.parse(await lines.next());
    assert.equal(payload.tls.version, 'TLS 1.2');
    assert.equal(payload.tls.serverName, '');
    socket.end();
    await once(socket, 'close');
  });

  it('refuses a pod whose TCP_PORT is not a number, saying which variable', async () => {
    const bad = fakePod('127.0.11.2', { ...podEnv(1, 2), TCP_PORT: 'http' });
    await assert.rejects(startTcpEcho(bad), /TCP_PORT="http" is not a port number/);
  });

  it('runs no TLS listener when the cert env vars are unset', async () => {
    const ip = '127.0.11.3';
    const plainOnly = await freePort(ip, 'tcp');
    const tlsOnly = await freePort(ip, 'tcp');
    const env = podEnv(plainOnly, tlsOnly);
    delete env.TLS_SERVER_CERT;
    const s = await startTcpEcho(fakePod(ip, env));
    try {
      const socket = net.connect(tlsOnly, ip);
      const [err] = await once(socket, 'error');
      assert.equal((err as NodeJS.ErrnoException).code, 'ECONNREFUSED');
    } finally {
      await s.close();
    }
  });
});
