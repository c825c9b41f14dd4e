// The little of protobuf's wire format the gRPC echo needs to write: proto3 strings and nested messages.
// Hand-written because the echo's reply is five small messages and a generated codec would be a dependency.

const WIRE_LEN = 2;

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

/** Builds one message; fields must be added in field-number order, as Go's marshaller writes them. */
export class ProtoWriter {
  private readonly parts: Uint8Array[] = [];

  private lengthDelimited(field: number, bytes: Uint8Array): this {
    this.parts.push(Uint8Array.from([...varint((field << 3) | WIRE_LEN), ...varint(bytes.length)]), bytes);
    return this;
  }

  /** A proto3 `string` field: left out when empty, as proto3 does for its default value. */
  string(field: number, value: string): this {
    return value === '' ? this : this.lengthDelimited(field, Buffer.from(value, 'utf8'));
  }

  /** One element of a `repeated string` field: written even when empty. */
  repeatedString(field: number, value: string): this {
    return this.lengthDelimited(field, Buffer.from(value, 'utf8'));
  }

  /** A message field that is set (possibly to an empty message, which is still written). */
  message(field: number, body: ProtoWriter | Uint8Array): this {
    return this.lengthDelimited(field, body instanceof ProtoWriter ? body.finish() : body);
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}
