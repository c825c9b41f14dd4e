// Forwarding under a route's timeouts and retry policy. The request timeout runs until the answer starts (retries and
// backoff included): the gateway has responded once the status line goes out. The backend request timeout covers each
// attempt, from sending to the last byte of the answer. A retry is made only while nothing was sent to the client,
// and only for requests without a body (nothing to replay); connection errors and attempt timeouts are retried too.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type * as ir from '../../ir/types.ts';
import { stripHopByHop } from '../headers.ts';
import { relayTrailers } from '../trailers.ts';
import { classifyUpstreamError, type ProxyFailure } from '../proxy.ts';
import { answerInvalidHeaders } from '../respond.ts';
import type { RetryBudget } from '../retry-budget.ts';
import type { UsableEndpoint } from '../upstream.ts';
import type { HeaderEdit } from './header-modifier.ts';
import type { UpstreamRequest } from './types.ts';

export type AttemptPolicy = { timeouts?: ir.RouteTimeouts; retry?: ir.RetryPolicy };

export const REQUEST_TIMEOUT: ProxyFailure = { status: 504, code: 'REQUEST_TIMEOUT', message: 'the route\'s request timeout expired before the backend answered' };
export const BACKEND_TIMEOUT: ProxyFailure = { status: 504, code: 'BACKEND_REQUEST_TIMEOUT', message: 'the route\'s backend request timeout expired before the backend answered' };
/** XBackendTrafficPolicy: a retry past the budget answers 503, not the failed attempt's answer. */
export const BUDGET_SPENT: ProxyFailure = { status: 503, code: 'RETRY_BUDGET_EXHAUSTED', message: 'the backend\'s retry budget (XBackendTrafficPolicy retryConstraint) is spent; the request was not retried' };

function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => {});
  body.destroy();
}

export function forwardWithPolicy(
  req: IncomingMessage,
  res: ServerResponse,
  nextEndpoint: () => UsableEndpoint | undefined,
  up: UpstreamRequest,
  body: Readable | null,
  responseEdits: readonly HeaderEdit[],
  policy: AttemptPolicy,
  onFailure: (failure: ProxyFailure) => void,
  budget?: RetryBudget,
): void {
  const retry = policy.retry;
  const maxAttempts = 1 + (body === null && retry ? retry.attempts : 0);
  const codes = new Set(retry?.codes ?? []);
  let current: AbortController | null = null;
  let done = false;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
    return t;
  };
  const finish = (failure: ProxyFailure | null) => {
    if (done) return;
    done = true;
    for (const t of timers) clearTimeout(t);
    current?.abort();
    if (failure !== null) onFailure(failure);
  };
  res.once('close', () => {
    for (const t of timers) clearTimeout(t);
    if (!res.writableFinished) current?.abort();
    done = true;
  });
  if (policy.timeouts?.requestMs !== undefined) {
    later(policy.timeouts.requestMs, () => {
      finish(REQUEST_TIMEOUT);
    });
  }

  const attempt = (n: number) => {
    if (done) return;
    const endpoint = nextEndpoint();
    if (endpoint === undefined) return finish({ status: 503, code: 'NO_ENDPOINT', message: 'no usable endpoint for this backend' });
    const abort = new AbortController();
    current = abort;
    budget?.sent();
    let timedOut = false;
    let attemptTimer: NodeJS.Timeout | undefined;
    if (policy.timeouts?.backendRequestMs !== undefined) {
      attemptTimer = later(policy.timeouts.backendRequestMs, () => {
        timedOut = true;
        abort.abort();
        // Past the status line there is no other answer to give: cut the response.
        if (res.headersSent) res.destroy();
      });
    }
    const retryOr = (failure: ProxyFailure) => {
      if (attemptTimer) clearTimeout(attemptTimer);
      if (done) return;
      if (n + 1 >= maxAttempts) return finish(failure);
      if (budget !== undefined && !budget.tryRetry()) return finish(BUDGET_SPENT);
      later(retry!.backoffMs, () => attempt(n + 1));
    };
    let pending: Promise<Dispatcher.ResponseData>;
    try {
      pending = endpoint.pool.request({
        method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
        path: up.rawQuery === '' ? up.path : `${up.path}?${up.rawQuery}`,
        // undici may normalise what it is given: each attempt gets its own copy.
        headers: { ...up.headers },
        body,
        signal: abort.signal,
      });
    } catch (err) {
      return retryOr(classifyUpstreamError(err));
    }
    pending
      .then(
        ({ statusCode, headers, body: answer, trailers }) => {
          if (done || res.destroyed) return discard(answer);
          if (codes.has(statusCode) && n + 1 < maxAttempts) {
            discard(answer);
            return retryOr({ status: statusCode, code: 'RETRY', message: '' });
          }
          done = true;
          for (const t of timers) if (t !== attemptTimer) clearTimeout(t);
          try {
            const out = stripHopByHop(headers);
            for (const edit of responseEdits) edit(out);
            res.writeHead(statusCode, out);
          } catch (err) {
            discard(answer);
            if (attemptTimer) clearTimeout(attemptTimer);
            return answerInvalidHeaders(res, err);
          }
          answer.once('error', () => res.destroy());
          answer.once('end', () => attemptTimer && clearTimeout(attemptTimer));
          res.once('close', () => {
            if (!answer.readableEnded) discard(answer);
          });
          relayTrailers(answer, trailers, res);
          answer.pipe(res);
        },
        (err: unknown) => {
          if (done) return;
          retryOr(timedOut ? BACKEND_TIMEOUT : classifyUpstreamError(err));
        },
      )
      .catch(() => res.destroy());
  };
  attempt(0);
}
