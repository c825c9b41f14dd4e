// The suite's coredns pod (base manifests: Corefile with `foo.bar.com { whoami }` and `. { forward … }`), played
// on its pod IP over UDP. Only the UDPRoute test talks to it, and any well-formed reply passes; we still answer
// as coredns would: whoami replies (client address and port in the additional section) for its zone, SERVFAIL
// where coredns would have to forward upstream.

import type dgram from 'node:dgram';
import net from 'node:net';
import { parseCorefile, SUITE_COREFILE, type Zone } from './corefile.ts';
import {
  buildReply,
  labelsOf,
  nameToString,
  opcodeOf,
  parseQuery,
  RCODE,
  TYPE,
  type Query,
  type ResourceRecord,
} from './dns-message.ts';
import { bindUdp, closeUdp } from './listening.ts';
import type { Pod, PodServer } from './types.ts';

/** Where the coredns container reads its config (the manifest passes `-conf /root/Corefile`). */
export const COREFILE_PATH = '/root/Corefile';

function inZone(name: string, zone: string): boolean {
  return zone === '.' || name === zone || name.endsWith(`.${zone}`);
}

function whoamiRecords(query: Query, client: dgram.RemoteInfo): ResourceRecord[] {
  const q = query.question!;
  // coredns's state.QName() is lower-cased; the echoed question keeps the client's case.
  const owner = labelsOf(nameToString(q.labels));
  const v4 = net.isIPv4(client.address);
  const address = v4
    ? Buffer.from(client.address.split('.').map(Number))
    : Buffer.from(expandIpv6(client.address));
  const port = Buffer.alloc(6);
  port.writeUInt16BE(client.port, 4); // priority 0, weight 0, port; then the root target
  return [
    { labels: owner, type: v4 ? TYPE.A : TYPE.AAAA, klass: q.qclass, ttl: 0, rdata: address },
    {
      labels: [...labelsOf('_udp'), ...owner],
      type: TYPE.SRV,
      klass: q.qclass,
      ttl: 0,
      rdata: Buffer.concat([port, Buffer.from([0])]),
    },
  ];
}

function expandIpv6(address: string): number[] {
  const [head, tail = ''] = address.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = groups(head);
  const t = address.includes('::') ? groups(tail) : [];
  const all = [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

function answer(query: Query, zones: Zone[], client: dgram.RemoteInfo): Buffer {
  const opcode = opcodeOf(query);
  if (opcode !== 0 && opcode !== 4) return buildReply(query, { rcode: RCODE.NOTIMP });
  if (!query.question) return buildReply(query, { rcode: RCODE.FORMERR });
  const name = nameToString(query.question.labels);
  const zone = zones
    .filter((z) => inZone(name, z.zone))
    .sort((a, b) => b.zone.length - a.zone.length)[0];
  if (!zone) return buildReply(query, { rcode: RCODE.REFUSED });
  if (zone.behaviour === 'unanswerable') return buildReply(query, { rcode: RCODE.SERVFAIL });
  return buildReply(query, { rcode: RCODE.NOERROR, authoritative: true, additional: whoamiRecords(query, client) });
}

export async function startDnsServer(pod: Pod): Promise<PodServer> {
  let corefile = pod.readFile(COREFILE_PATH);
  if (corefile === undefined) {
    pod.log(`${COREFILE_PATH} is not readable (ConfigMap volume missing?); using the suite's Corefile`);
    corefile = SUITE_COREFILE;
  }
  const zones = parseCorefile(corefile);
  if (zones.length === 0) {
    throw new Error(
      `coredns pod ${pod.namespace}/${pod.name}: ${COREFILE_PATH} has no server block with a DNS zone; ` +
        `fix the coredns ConfigMap (the suite's has ".:53 { forward … }" and "foo.bar.com:53 { whoami }")`,
    );
  }
  const sockets: dgram.Socket[] = [];
  try {
    for (const port of new Set(zones.map((z) => z.port))) {
      const socket = await bindUdp(pod, 'coredns', port);
      sockets.push(socket);
      const portZones = zones.filter((z) => z.port === port);
      socket.on('message', (msg, rinfo) => {
        const query = parseQuery(msg);
        if (!query) return;
        socket.send(answer(query, portZones, rinfo), rinfo.port, rinfo.address, (err) => {
          if (err) pod.log(`[ERROR] writing DNS reply to ${rinfo.address}:${rinfo.port}: ${err.message}`);
        });
      });
      for (const z of portZones) pod.log(`${z.zone}:${port}`);
    }
  } catch (err) {
    await Promise.all(sockets.map(closeUdp));
    throw err;
  }
  pod.log('CoreDNS-1.12.2 (played on the pod IP: whoami zones answer, forwarding zones answer SERVFAIL)');
  return { close: () => Promise.all(sockets.map(closeUdp)).then(() => undefined) };
}
