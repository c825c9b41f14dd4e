// The DNS wire format (RFC 1035) as far as a one-question UDP server needs it: read a query's header, question and
// EDNS(0) OPT record, and write a reply with additional records.

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export const TYPE = { A: 1, AAAA: 28, SRV: 33, OPT: 41 } as const;

export type Question = { labels: Buffer[]; qtype: number; qclass: number };

export type Query = {
  id: number;
  /** Header bits 1..15 as received (QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode). */
  flags: number;
  question?: Question;
  /** The client's EDNS(0) record, when it sent one. */
  edns?: { udpSize: number; dnssecOk: boolean };
};

export type ResourceRecord = { labels: Buffer[]; type: number; klass: number; ttl: number; rdata: Buffer };

class Malformed extends Error {}

function readName(msg: Buffer, start: number): { labels: Buffer[]; next: number } {
  const labels: Buffer[] = [];
  let offset = start;
  let next = -1;
  for (let jumps = 0; ; ) {
    if (offset >= msg.length) throw new Malformed('name runs past the message');
    const len = msg[offset];
    if (len === 0) {
      return { labels, next: next === -1 ? offset + 1 : next };
    }
    if ((len & 0xc0) === 0xc0) {
      if (offset + 1 >= msg.length || ++jumps > 32) throw new Malformed('bad compression pointer');
      if (next === -1) next = offset + 2;
      offset = ((len & 0x3f) << 8) | msg[offset + 1];
      continue;
    }
    if (len > 63 || offset + 1 + len > msg.length) throw new Malformed('bad label');
    labels.push(msg.subarray(offset + 1, offset + 1 + len));
    offset += 1 + len;
  }
}

/**
 * Parses a query. Returns undefined for what a server ignores (too short for a header, or a response); throws
 * nothing: a malformed body yields a query without `question`, which the caller answers with FORMERR.
 */
export function parseQuery(msg: Buffer): Query | undefined {
  if (msg.length < 12) return undefined;
  const id = msg.readUInt16BE(0);
  const flags = msg.readUInt16BE(2);
  if (flags & 0x8000) return undefined;
  const [qd, an, ns, ar] = [msg.readUInt16BE(4), msg.readUInt16BE(6), msg.readUInt16BE(8), msg.readUInt16BE(10)];
  const query: Query = { id, flags };
  // miekg/dns (under coredns) rejects anything but one question with no answer/authority and at most 2 extras.
  if (qd !== 1 || an !== 0 || ns !== 0 || ar > 2) return query;
  try {
    const name = readName(msg, 12);
    if (name.next + 4 > msg.length) throw new Malformed('question runs past the message');
    const question = { labels: name.labels, qtype: msg.readUInt16BE(name.next), qclass: msg.readUInt16BE(name.next + 2) };
    let offset = name.next + 4;
    for (let i = 0; i < ar; i++) {
      const rr = readName(msg, offset);
      if (rr.next + 10 > msg.length) throw new Malformed('record runs past the message');
      const type = msg.readUInt16BE(rr.next);
      const klass = msg.readUInt16BE(rr.next + 2);
      const ttl = msg.readUInt32BE(rr.next + 4);
      const rdlength = msg.readUInt16BE(rr.next + 8);
      offset = rr.next + 10 + rdlength;
      if (offset > msg.length) throw new Malformed('record data runs past the message');
      if (type === TYPE.OPT) query.edns = { udpSize: klass, dnssecOk: (ttl & 0x8000) !== 0 };
    }
    query.question = question;
  } catch (err) {
    if (!(err instanceof Malformed)) throw err;
  }
  return query;
}

const OPCODE_MASK = 0x7800;
const RD = 0x0100;
const CD = 0x0010;

export function opcodeOf(query: Query): number {
  return (query.flags & OPCODE_MASK) >> 11;
}

function writeName(labels: Buffer[]): Buffer {
  return Buffer.concat([...labels.flatMap((l) => [Buffer.from([l.length]), l]), Buffer.from([0])]);
}

function writeRecord(rr: ResourceRecord): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(rr.type, 0);
  fixed.writeUInt16BE(rr.klass, 2);
  fixed.writeUInt32BE(rr.ttl, 4);
  fixed.writeUInt16BE(rr.rdata.length, 8);
  return Buffer.concat([writeName(rr.labels), fixed, rr.rdata]);
}

/**
 * A reply as miekg/dns's `SetReply` starts it (same ID and opcode, QR set, RD and CD copied, the question echoed),
 * with an OPT record when the query had one, as coredns adds.
 */
export function buildReply(
  query: Query,
  opts: { rcode: number; authoritative?: boolean; additional?: ResourceRecord[] },
): Buffer {
  let flags = 0x8000 | (query.flags & OPCODE_MASK) | (opts.rcode & 0xf);
  if (opcodeOf(query) === 0) flags |= query.flags & (RD | CD);
  if (opts.authoritative) flags |= 0x0400;
  const extra = [...(opts.additional ?? [])];
  if (query.edns) {
    const udpSize = Math.max(512, query.edns.udpSize);
    extra.push({ labels: [], type: TYPE.OPT, klass: udpSize, ttl: query.edns.dnssecOk ? 0x8000 : 0, rdata: Buffer.alloc(0) });
  }
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.id, 0);
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(query.question ? 1 : 0, 4);
  header.writeUInt16BE(extra.length, 10);
  const parts: Buffer[] = [header];
  if (query.question) {
    const tail = Buffer.alloc(4);
    tail.writeUInt16BE(query.question.qtype, 0);
    tail.writeUInt16BE(query.question.qclass, 2);
    parts.push(writeName(query.question.labels), tail);
  }
  return Buffer.concat([...parts, ...extra.map(writeRecord)]);
}

/** `foo.bar.com.` for display and zone matching (lower-case, as DNS names compare). */
export function nameToString(labels: Buffer[]): string {
  return labels.length === 0 ? '.' : `${labels.map((l) => l.toString('latin1').toLowerCase()).join('.')}.`;
}

export function labelsOf(name: string): Buffer[] {
  return name
    .split('.')
    .filter((l) => l !== '')
    .map((l) => Buffer.from(l, 'latin1'));
}
