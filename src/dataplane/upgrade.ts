// HTTP/1.1 upgrades (WebSocket and any other protocol a client switches to): the request is routed like every other
// one (same router, filters, backend choice, 404/500/503 answers, metrics and access log), then the tunnel opens an
// upstream connection, sends the filtered request head with its Upgrade, relays the 101 and pipes bytes both ways.
// A backend that answers anything but 101 is relayed as a plain response.
import { request as httpRequest, ServerResponse, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HeaderEdit } from './filters/header-modifier.ts';
import type { UpstreamRequest } from './filters/types.ts';
import { stripHopByHop } from './headers.ts';
import { classifyUpstreamError, type ProxyFailure } from './proxy.ts';
import { answerInvalidHeaders } from './respond.ts';
import type { UsableEndpoint } from './upstream.ts';
import { tlsConnectOptions } from './upstream-tls.ts';

/** Responses that became tunnels: their 'finish' must not end the socket. */
const tunnels = new WeakSet<ServerResponse>();

/**
 * The upgrades Portico tunnels. `h2c` alone is served as a plain HTTP/1.1 request: clients that want HTTP/2 can use
 * prior knowledge, and RFC 9113 deprecates that upgrade.
 */
export function wantsTunnel(req: IncomingMessage): boolean {
  const upgrade = req.headers.upgrade;
  if (typeof upgrade !== 'string') return false;
  return upgrade.split(',').some((t) => {
    const token = t.trim().toLowerCase();
    return token !== '' && token !== 'h2c';
  });
}

/** A request that came through acceptUpgrade: node:http marks it, and only such requests, `upgrade`. */
export function isTunnel(req: IncomingMessage): boolean {
  return (req as { upgrade?: boolean }).upgrade === true;
}

/**
 * For node:http's 'upgrade' event: a ServerResponse on the request's socket, so the handler answers an upgrade
 * request exactly like a normal one. A plain answer closes the connection afterwards, since nothing parses what the
 * client sends next.
 */
export function acceptUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): ServerResponse {
  socket.on('error', () => socket.destroy());
  if (head.length > 0) socket.unshift(head);
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  res.once('finish', () => {
    if (!tunnels.has(res)) socket.end();
  });
  return res;
}

function timeoutError(): Error {
  return Object.assign(new Error('upstream did not answer the upgrade request in time'), { code: 'ETIMEDOUT' });
}

/** Forward, for a request that came through acceptUpgrade. Same contract as proxy.forward. */
export function openTunnel(
  req: IncomingMessage,
  res: ServerResponse,
  endpoint: UsableEndpoint,
  up: UpstreamRequest,
  responseEdits: readonly HeaderEdit[],
  onFailure: (failure: ProxyFailure) => void,
): void {
  // dropHopByHop took Connection and Upgrade off: this hop needs them back.
  const headers = { ...up.headers, connection: 'Upgrade', upgrade: req.headers.upgrade ?? '' };
  const tls = endpoint.tls;
  if (tls?.invalid !== undefined) {
    return onFailure(classifyUpstreamError(Object.assign(new Error(`BackendTLSPolicy ${tls.policy} cannot be used: ${tls.invalid}`), { code: 'PORTICO_BACKEND_TLS_INVALID' })));
  }
  let upstream: ClientRequest;
  try {
    const options = {
      host: endpoint.address,
      port: endpoint.port,
      method: req.method ?? 'GET',
      path: up.rawQuery === '' ? up.path : `${up.path}?${up.rawQuery}`,
      headers,
      agent: false as const,
      setHost: false,
      timeout: endpoint.timeouts.connectMs + endpoint.timeouts.headersMs,
    };
    // A BackendTLSPolicy covers tunnels too: same SNI, trust and client certificate as the pool's connections.
    upstream = tls ? httpsRequest({ ...options, ...tlsConnectOptions(tls) }) : httpRequest(options);
  } catch (err) {
    // A request filter produced a header node:http refuses.
    return answerInvalidHeaders(res, err);
  }
  let answered = false;
  upstream.on('timeout', () => upstream.destroy(timeoutError()));
  upstream.on('error', (err) => {
    if (answered || res.destroyed) return;
    answered = true;
    onFailure(classifyUpstreamError(err));
  });
  res.once('close', () => {
    if (!answered) upstream.destroy();
  });

  upstream.on('response', (answer: IncomingMessage) => {
    answered = true;
    if (res.destroyed) return void answer.destroy();
    try {
      const out = stripHopByHop(answer.headers);
      for (const edit of responseEdits) edit(out);
      res.writeHead(answer.statusCode ?? 502, out);
    } catch (err) {
      answer.destroy();
      return answerInvalidHeaders(res, err);
    }
    answer.once('error', () => res.destroy());
    answer.pipe(res);
  });

  upstream.on('upgrade', (answer: IncomingMessage, upSocket: Socket, upHead: Buffer) => {
    answered = true;
    const client = res.socket;
    if (res.destroyed || client === null) return void upSocket.destroy();
    upSocket.setTimeout(0);
    try {
      const out = stripHopByHop(answer.headers);
      for (const edit of responseEdits) edit(out);
      out.connection = 'Upgrade';
      out.upgrade = answer.headers.upgrade ?? headers.upgrade;
      tunnels.add(res);
      res.writeHead(101, out);
      // 1xx has no body: end() only sends the head, synchronously, ahead of anything written below.
      res.end();
    } catch (err) {
      tunnels.delete(res);
      upSocket.destroy();
      return answerInvalidHeaders(res, err);
    }
    pipeBothWays(client, upSocket, upHead);
  });
  upstream.end();
}

function pipeBothWays(client: Duplex, upstream: Socket, upHead: Buffer): void {
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.once('close', close);
  upstream.once('close', close);
  upstream.on('error', close);
  if (upHead.length > 0) client.write(upHead);
  upstream.pipe(client);
  client.pipe(upstream);
}
