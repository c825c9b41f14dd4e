// The gRPC side of ExternalAuth: envoy.service.auth.v3.Authorization/Check over h2c, its few protobuf messages
// encoded and decoded by hand (field numbers from envoy's external_auth.proto and attribute_context.proto), so no
// protobuf library is needed. Only the fields Portico sends or reads are handled; unknown fields are skipped.
import type { Dispatcher } from 'undici';
import type { HeaderBag } from './header-modifier.ts';
import type { Decision } from './external-auth.ts';
import type { UpstreamRequest } from './types.ts';

export type GrpcCheckInput = {
  method: string;
  up: UpstreamRequest;
  body: Buffer | null;
  /** Lower-case names; empty sends every header. */
  allowed: ReadonlySet<string>;
  remoteAddress: string;
  secure: boolean;
};

export const CHECK_PATH = '/envoy.service.auth.v3.Authorization/Check';

export async function grpcCheck(pool: Dispatcher, signal: AbortSignal, input: GrpcCheckInput): Promise<Decision> {
  const message = encodeCheckRequest(input);
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  const answer = await pool.request({
    method: 'POST', path: CHECK_PATH, signal, body: frame,
    headers: { 'content-type': 'application/grpc' },
  });
  const data = Buffer.from(await answer.body.arrayBuffer());
  const status = String(answer.headers['grpc-status'] ?? answer.trailers['grpc-status'] ?? '');
  if (answer.statusCode !== 200 || status !== '0') throw new Error(`Check answered HTTP ${answer.statusCode}, grpc-status ${status || 'none'}`);
  if (data.length < 5 || data[0] !== 0) throw new Error('Check answered no message, or a compressed one');
  return decodeCheckResponse(data.subarray(5, 5 + data.readUInt32BE(1)));
}

// ---- encoding

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

function bytesField(field: number, value: Buffer | string): Buffer {
  const data = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([varint((field << 3) | 2), varint(data.length), data]);
}

function intField(field: number, value: number): Buffer {
  return Buffer.concat([varint(field << 3), varint(value)]);
}

const message = (field: number, ...parts: Buffer[]) => bytesField(field, Buffer.concat(parts));

export function encodeCheckRequest(input: GrpcCheckInput): Buffer {
  const { up } = input;
  const headers: [string, string][] = [[':authority', String(up.headers.host ?? '')], [':method', input.method], [':path', fullPath(up)]];
  for (const [name, value] of Object.entries(up.headers)) {
    if (input.allowed.size === 0 || input.allowed.has(name)) headers.push([name, Array.isArray(value) ? value.join(',') : value]);
  }
  const http = Buffer.concat([
    bytesField(2, input.method),
    // map<string, string> headers = 3: one entry message per header.
    ...headers.map(([k, v]) => message(3, bytesField(1, k), bytesField(2, v))),
    bytesField(4, fullPath(up)),
    bytesField(5, String(up.headers.host ?? '')),
    bytesField(6, input.secure ? 'https' : 'http'),
    ...(up.rawQuery === '' ? [] : [bytesField(7, up.rawQuery)]),
    intField(9, input.body?.length ?? 0),
    bytesField(10, 'HTTP/1.1'),
    ...(input.body && input.body.length > 0 ? [bytesField(12, input.body)] : []),
  ]);
  // source (1) = Peer { address (1) = Address { socket_address (1) = { address (2) } } }; request (4) = { http (2) }.
  const source = message(1, message(1, message(1, bytesField(2, input.remoteAddress))));
  return message(1, source, message(4, bytesField(2, http)));
}

function fullPath(up: UpstreamRequest): string {
  return up.rawQuery === '' ? up.path : `${up.path}?${up.rawQuery}`;
}

// ---- decoding

type Field = { num: number; wire: number; int: number; data: Buffer };

function* fields(buf: Buffer): Generator<Field> {
  let i = 0;
  const readVarint = () => {
    let n = 0, mul = 1;
    for (;;) {
      if (i >= buf.length) throw new Error('truncated protobuf message');
      const b = buf[i++];
      n += (b & 0x7f) * mul;
      if (b < 0x80) return n;
      mul *= 128;
    }
  };
  while (i < buf.length) {
    const key = readVarint();
    const num = Math.floor(key / 8), wire = key & 7;
    if (wire === 0) yield { num, wire, int: readVarint(), data: Buffer.alloc(0) };
    else if (wire === 2) {
      const len = readVarint();
      if (i + len > buf.length) throw new Error('truncated protobuf field');
      yield { num, wire, int: 0, data: buf.subarray(i, i + len) };
      i += len;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
}

function headerOptions(f: Field, into: HeaderBag): void {
  let key = '', value = '', append = false;
  for (const o of fields(f.data)) {
    if (o.num === 1 && o.wire === 2) {
      for (const h of fields(o.data)) {
        if (h.num === 1) key = h.data.toString('utf8').toLowerCase();
        else if (h.num === 2) value = h.data.toString('utf8');
        else if (h.num === 3 && value === '') value = h.data.toString('utf8');
      }
    } else if (o.num === 2 && o.wire === 2) for (const b of fields(o.data)) append = b.int !== 0;
  }
  if (key === '') return;
  const existing = into[key];
  into[key] = append && existing !== undefined ? [...(Array.isArray(existing) ? existing : [existing]), value] : value;
}

export function decodeCheckResponse(buf: Buffer): Decision {
  let code = 0;
  let denied: Field | undefined, ok: Field | undefined;
  for (const f of fields(buf)) {
    if (f.num === 1 && f.wire === 2) for (const s of fields(f.data)) if (s.num === 1 && s.wire === 0) code = s.int;
    if (f.num === 2 && f.wire === 2) denied = f;
    if (f.num === 3 && f.wire === 2) ok = f;
  }
  if (code === 0) {
    const headers: HeaderBag = {};
    const remove: string[] = [];
    for (const f of ok ? fields(ok.data) : []) {
      if (f.num === 2 && f.wire === 2) headerOptions(f, headers);
      if (f.num === 5 && f.wire === 2) remove.push(f.data.toString('utf8').toLowerCase());
    }
    return { allow: true, headers, remove };
  }
  let status = 403;
  const headers: HeaderBag = {};
  let body = Buffer.alloc(0);
  for (const f of denied ? fields(denied.data) : []) {
    if (f.num === 1 && f.wire === 2) for (const s of fields(f.data)) if (s.num === 1 && s.int >= 200 && s.int <= 599) status = s.int;
    if (f.num === 2 && f.wire === 2) headerOptions(f, headers);
    if (f.num === 3 && f.wire === 2) body = Buffer.from(f.data);
  }
  headers['content-length'] = String(body.length);
  return { allow: false, denial: { status, headers, body } };
}
