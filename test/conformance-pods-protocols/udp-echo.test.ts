import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import type { PodServer } from '../../conformance/pods/types.ts';
import { startUdpEcho } from '../../conformance/pods/udp-echo.ts';
import { fakePod, freePort, type FakePod } from './fixtures.ts';

const IP = '127.0.12.1';

/** What the suite does: a connected UDP socket, one datagram out, one back. */
async function exchange(ip: string, port: number, payload: Buffer | string): Promise<{ reply: string; from: dgram.RemoteInfo }> {
  const client = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => client.connect(port, ip, resolve));
    const message = once(client, 'message');
    client.send(payload);
    const [reply, from] = (await message) as [Buffer, dgram.RemoteInfo];
    return { reply: reply.toString('utf8'), from };
  } finally {
    client.close();
  }
}

describe('udp echo (echo-basic UDP mode)', () => {
  let pod: FakePod;
  let server: PodServer;
  let port: number;

  before(async () => {
    port = await freePort(IP, 'udp');
    pod = fakePod(IP, {
      UDP_ECHO_SERVER: '1',
      POD_NAME: 'udp-backend-v1-5c7-xyz',
      NAMESPACE: 'gateway-conformance-infra',
      SERVICE_NAME: 'udp-backend-v1',
      UDP_PORT: String(port),
    });
    server = await startUdpEcho(pod);
  });
  after(() => server.close());

  it('answers the probe from the pod address with the JSON envelope the suite decodes', async () => {
    const { reply, from } = await exchange(IP, port, 'gateway-api-conformance-udp-echo');
    assert.equal(from.address, IP);
    assert.equal(from.port, port);
    assert.equal(
      reply,
      '{"request":"gateway-api-conformance-udp-echo","namespace":"gateway-conformance-infra","ingress":"",' +
        '"service":"udp-backend-v1","pod":"udp-backend-v1-5c7-xyz"}',
    );
    assert.ok(pod.logs.some((l) => /^Received UDP gateway-api-conformance-udp-echo from 127\.0\.0\.1:\d+$/.test(l)), pod.logs.join('\n'));
  });

  it('escapes as Go encoding/json does and keeps only the first 1024 bytes', async () => {
    const escaped = await exchange(IP, port, 'a<b>&"\n\u2028');
    assert.equal(JSON.parse(escaped.reply).request, 'a<b>&"\n\u2028');
    assert.ok(escaped.reply.startsWith('{"request":"a\\u003cb\\u003e\\u0026\\"\\n\\u2028"'), escaped.reply);

    const long = await exchange(IP, port, Buffer.alloc(2000, 'x'));
    assert.equal(JSON.parse(long.reply).request.length, 1024);

    // Go writes each byte that is not valid UTF-8 as the escape \ufffd, and a real U+FFFD as itself.
    const invalid = await exchange(IP, port, Buffer.from([0x61, 0xff, 0xe2, 0x82, 0x62, 0xef, 0xbf, 0xbd]));
    assert.ok(invalid.reply.startsWith('{"request":"a\\ufffd\\ufffd\\ufffdb\ufffd","namespace"'), invalid.reply);
  });

  it('uses port 8080 when UDP_PORT is unset and reports a taken port clearly', async () => {
    const ip = '127.0.12.2';
    const blocker = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => blocker.bind(8080, ip, resolve));
    try {
      await assert.rejects(
        startUdpEcho(fakePod(ip, { UDP_ECHO_SERVER: '1' })),
        /udp echo of pod gateway-conformance-infra\/backend-0 cannot listen on 127\.0\.12\.2:8080\/udp: .*EADDRINUSE/,
      );
    } finally {
      blocker.close();
    }
  });
});
