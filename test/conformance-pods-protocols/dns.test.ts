import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { parseCorefile, SUITE_COREFILE } from '../../conformance/pods/corefile.ts';
import { COREFILE_PATH, startDnsServer } from '../../conformance/pods/dns.ts';
import type { PodServer } from '../../conformance/pods/types.ts';
import { fakePod, freePort } from './fixtures.ts';

const IP = '127.0.13.1';

function encodeName(name: string): Buffer {
  const labels = name.split('.').filter((l) => l !== '');
  return Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
}

/** A query as miekg/dns's SetQuestion builds it: RD set, one question, class IN; optionally an EDNS(0) OPT. */
function query(id: number, name: string, qtype: number, edns?: { size: number; dnssecOk: boolean }): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(edns ? 1 : 0, 10);
  const tail = Buffer.from([qtype >> 8, qtype & 0xff, 0, 1]);
  const parts = [header, encodeName(name), tail];
  if (edns) {
    const opt = Buffer.alloc(11);
    opt.writeUInt16BE(41, 1);
    opt.writeUInt16BE(edns.size, 3);
    opt.writeUInt32BE(edns.dnssecOk ? 0x8000 : 0, 5);
    parts.push(opt);
  }
  return Buffer.concat(parts);
}

type Rr = { name: string; type: number; klass: number; ttl: number; rdata: Buffer };

function readName(msg: Buffer, offset: number): [string, number] {
  const labels: string[] = [];
  while (msg[offset] !== 0) {
    labels.push(msg.subarray(offset + 1, offset + 1 + msg[offset]).toString('latin1'));
    offset += 1 + msg[offset];
  }
  return [labels.length ? `${labels.join('.')}.` : '.', offset + 1];
}

function parseReply(msg: Buffer) {
  const [qname, afterName] = readName(msg, 12);
  const counts = [4, 6, 8, 10].map((o) => msg.readUInt16BE(o));
  let offset = afterName + 4;
  const records: Rr[] = [];
  for (let i = 0; i < counts[1] + counts[2] + counts[3]; i++) {
    const [name, next] = readName(msg, offset);
    const rdlength = msg.readUInt16BE(next + 8);
    records.push({
      name,
      type: msg.readUInt16BE(next),
      klass: msg.readUInt16BE(next + 2),
      ttl: msg.readUInt32BE(next + 4),
      rdata: msg.subarray(next + 10, next + 10 + rdlength),
    });
    offset = next + 10 + rdlength;
  }
  const flags = msg.readUInt16BE(2);
  return {
    id: msg.readUInt16BE(0),
    qr: !!(flags & 0x8000),
    aa: !!(flags & 0x0400),
    rd: !!(flags & 0x0100),
    rcode: flags & 0xf,
    counts,
    question: { name: qname, type: msg.readUInt16BE(afterName), klass: msg.readUInt16BE(afterName + 2) },
    records,
    length: offset,
  };
}

async function exchange(port: number, msg: Buffer): Promise<{ reply: Buffer; clientPort: number }> {
  const client = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => client.connect(port, IP, resolve));
    const got = once(client, 'message');
    client.send(msg);
    const [reply] = (await got) as [Buffer];
    return { reply, clientPort: client.address().port };
  } finally {
    client.close();
  }
}

describe('coredns pod (UDP DNS)', () => {
  let server: PodServer;
  let port: number;

  before(async () => {
    port = await freePort(IP, 'udp');
    const corefile = SUITE_COREFILE.replaceAll(':53', `:${port}`);
    server = await startDnsServer(fakePod(IP, {}, { [COREFILE_PATH]: corefile }));
  });
  after(() => server.close());

  it('answers foo.bar.com. A as coredns whoami: question echoed, client address and port in the additional section', async () => {
    const { reply, clientPort } = await exchange(port, query(0xbeef, 'foo.bar.com.', 1));
    const r = parseReply(reply);
    assert.equal(r.id, 0xbeef);
    assert.ok(r.qr && r.aa && r.rd);
    assert.equal(r.rcode, 0);
    assert.deepEqual(r.counts, [1, 0, 0, 2]);
    assert.deepEqual(r.question, { name: 'foo.bar.com.', type: 1, klass: 1 });
    const [a, srv] = r.records;
    assert.deepEqual({ ...a, rdata: [...a.rdata] }, { name: 'foo.bar.com.', type: 1, klass: 1, ttl: 0, rdata: [127, 0, 0, 1] });
    assert.equal(srv.name, '_udp.foo.bar.com.');
    assert.equal(srv.type, 33);
    assert.equal(srv.rdata.readUInt16BE(4), clientPort);
    assert.equal(r.length, reply.length, 'no trailing bytes');
  });

  it('echoes an EDNS(0) OPT record when the query has one; answers names below the zone, lower-cased', async () => {
    const { reply } = await exchange(port, query(7, 'WWW.Foo.bar.com.', 28, { size: 4096, dnssecOk: true }));
    const r = parseReply(reply);
    assert.equal(r.rcode, 0);
    assert.equal(r.question.name, 'WWW.Foo.bar.com.');
    assert.equal(r.records[0].name, 'www.foo.bar.com.');
    assert.deepEqual(r.counts, [1, 0, 0, 3]);
    const opt = r.records[2];
    assert.deepEqual({ name: opt.name, type: opt.type, klass: opt.klass, ttl: opt.ttl }, { name: '.', type: 41, klass: 4096, ttl: 0x8000 });
  });

  it('answers SERVFAIL for names coredns would forward upstream, and FORMERR for a query without a question', async () => {
    const r = parseReply((await exchange(port, query(9, 'example.org.', 1))).reply);
    assert.equal(r.rcode, 2);
    assert.equal(r.question.name, 'example.org.');

    const headerOnly = Buffer.alloc(12);
    headerOnly.writeUInt16BE(10, 0);
    const bad = (await exchange(port, headerOnly)).reply;
    assert.equal(bad.readUInt16BE(0), 10);
    assert.equal(bad.readUInt16BE(2) & 0x800f, 0x8001);
  });

  it('reads the zones and ports of a Corefile', () => {
    assert.deepEqual(parseCorefile(SUITE_COREFILE), [
      { zone: '.', port: 53, behaviour: 'unanswerable' },
      { zone: 'foo.bar.com.', port: 53, behaviour: 'whoami' },
    ]);
    assert.deepEqual(parseCorefile('# comment\ndns://example.org:1053 example.net {\n  whoami # answers\n}\n'), [
      { zone: 'example.org.', port: 1053, behaviour: 'whoami' },
      { zone: 'example.net.', port: 53, behaviour: 'whoami' },
    ]);
  });
});
