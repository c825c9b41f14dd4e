// RequestMirror: a copy of the request goes to one endpoint of the mirror backend; its answer is read and dropped.
// Nothing about the mirror (slowness, failure, a large body) may reach the client's exchange.
import { PassThrough, type Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type * as ir from '../../ir/types.ts';
import type { RuntimeCluster } from '../upstream.ts';
import type { UpstreamRequest } from './types.ts';

/** Bytes of request body buffered for a mirror that reads slower than the primary; past it the mirror is cut. */
const MIRROR_BODY_BUFFER = 1 << 20;

export type CompiledMirror = { cluster: RuntimeCluster; sample: () => boolean };

export function compileMirror(f: ir.RequestMirrorFilter, clusters: ReadonlyMap<string, RuntimeCluster>): CompiledMirror | null {
  const cluster = clusters.get(f.cluster);
  if (cluster === undefined) return null;
  const fr = f.fraction;
  // The draw happens here, in the data plane: translation stays free of randomness.
  const sample = fr === undefined ? () => true : () => Math.random() * fr.denominator < fr.numerator;
  return { cluster, sample };
}

/**
 * Sends the mirror copies; `body` is the client's body stream or null. When there is a body, returns the stream the
 * primary must read instead of the client's (the client's body is teed), else null.
 */
export function sendMirrors(mirrors: readonly CompiledMirror[], method: string, up: UpstreamRequest, body: Readable | null): Readable | null {
  const chosen = mirrors.filter((m) => m.sample());
  if (chosen.length === 0) return null;
  const copies = chosen.map(() => (body === null ? null : new PassThrough({ highWaterMark: MIRROR_BODY_BUFFER })));
  chosen.forEach((m, i) => send(m, method, up, copies[i]));
  if (body === null) return null;
  const primary = new PassThrough();
  body.pipe(primary);
  // Same tick as the pipe: every listener sees every chunk. The primary sets the pace; a mirror never does.
  body.on('data', (chunk: Buffer) => {
    for (const c of copies) {
      if (c === null || c.destroyed) continue;
      if (c.writableLength > MIRROR_BODY_BUFFER) c.destroy();
      else c.write(chunk);
    }
  });
  body.once('end', () => copies.forEach((c) => c?.end()));
  body.once('error', () => copies.forEach((c) => c?.destroy()));
  body.once('close', () => copies.forEach((c) => c !== null && !c.writableEnded && c.destroy()));
  return primary;
}

function send(m: CompiledMirror, method: string, up: UpstreamRequest, body: PassThrough | null): void {
  const endpoint = m.cluster.endpoints.next();
  if (endpoint === undefined) return void body?.destroy();
  body?.on('error', () => {});
  let pending: Promise<Dispatcher.ResponseData>;
  try {
    pending = endpoint.pool.request({
      method: method as Dispatcher.HttpMethod,
      path: up.rawQuery === '' ? up.path : `${up.path}?${up.rawQuery}`,
      headers: { ...up.headers },
      body,
    });
  } catch {
    return void body?.destroy();
  }
  pending.then((r) => r.body.dump().catch(() => {}), () => body?.destroy()).catch(() => {});
}
