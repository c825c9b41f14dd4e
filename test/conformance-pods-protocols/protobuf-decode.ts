// A tiny protobuf reader for the tests: every field of a message as (number, bytes-or-varint), enough to read
// back an EchoResponse without generated code.

export type Field = { field: number; bytes?: Buffer; varint?: number };

export function decodeMessage(buf: Buffer): Field[] {
  const fields: Field[] = [];
  let offset = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = buf[offset++];
      if (b === undefined) throw new Error('truncated varint');
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
    }
  };
  while (offset < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) fields.push({ field, varint: varint() });
    else if (wire === 2) {
      const len = varint();
      if (offset + len > buf.length) throw new Error('truncated field');
      fields.push({ field, bytes: buf.subarray(offset, offset + len) });
      offset += len;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return fields;
}

const str = (fields: Field[], n: number) => fields.find((f) => f.field === n)?.bytes?.toString('utf8') ?? '';
const sub = (fields: Field[], n: number) => {
  const f = fields.find((x) => x.field === n);
  return f?.bytes ? decodeMessage(f.bytes) : undefined;
};

export type EchoResponse = {
  fullyQualifiedMethod: string;
  headers: Array<[string, string]>;
  authority: string;
  context?: { namespace: string; ingress: string; serviceName: string; pod: string };
  tls?: { version: string; negotiatedProtocol: string; serverName: string; cipherSuite: string; peerCertificates: string[] };
};

export function decodeEchoResponse(buf: Buffer): EchoResponse {
  const top = decodeMessage(buf);
  assertOnly(top, [1, 2]);
  const a = sub(top, 1) ?? [];
  const ctx = sub(a, 4);
  const tls = sub(a, 5);
  return {
    fullyQualifiedMethod: str(a, 1),
    headers: a.filter((f) => f.field === 2).map((f) => {
      const h = decodeMessage(f.bytes!);
      return [str(h, 1), str(h, 2)];
    }),
    authority: str(a, 3),
    context: ctx && { namespace: str(ctx, 1), ingress: str(ctx, 2), serviceName: str(ctx, 3), pod: str(ctx, 4) },
    tls: tls && {
      version: str(tls, 1),
      negotiatedProtocol: str(tls, 2),
      serverName: str(tls, 3),
      cipherSuite: str(tls, 4),
      peerCertificates: tls.filter((f) => f.field === 5).map((f) => f.bytes!.toString('utf8')),
    },
  };
}

function assertOnly(fields: Field[], allowed: number[]): void {
  for (const f of fields) if (!allowed.includes(f.field)) throw new Error(`unexpected field ${f.field}`);
}
