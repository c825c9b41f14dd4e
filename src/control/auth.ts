// Who may read a Gateway's config: the proxies of that Gateway and nobody else. A proxy presents its pod's projected
// ServiceAccount token (audience PROXY_TOKEN_AUDIENCE); the API server's TokenReview says whose it is, and only the
// Gateway's own proxy ServiceAccount (`<gateway>-portico` in the Gateway's namespace) gets its config, which holds
// the Gateway's TLS private keys.
import { createHash } from 'node:crypto';
import { proxyName, PROXY_TOKEN_AUDIENCE } from '../infra/proxy-objects.ts';

export type TokenReviewStatus = {
  authenticated?: boolean;
  user?: { username?: string };
  audiences?: string[];
  error?: string;
};

export type AuthDecision = { ok: true; user: string } | { ok: false; status: 401 | 403; message: string };

/** The ServiceAccount user name a Gateway's proxies run as. */
export function proxyUser(gateway: string): string {
  const [ns, name] = gateway.split('/') as [string, string];
  return `system:serviceaccount:${ns}:${proxyName(name)}`;
}

/** Pure: whether the reviewed token may read `gateway`'s config (`ns/name`). */
export function decide(review: TokenReviewStatus | null, gateway: string): AuthDecision {
  if (review === null) return { ok: false, status: 401, message: 'no bearer token: send the pod\'s projected ServiceAccount token (audience portico-proxy) as Authorization: Bearer' };
  if (!review.authenticated) {
    return { ok: false, status: 401, message: `the token was not accepted by the API server${review.error ? ` (${review.error})` : ''}; it must be a ServiceAccount token with audience ${PROXY_TOKEN_AUDIENCE}, not expired` };
  }
  if (review.audiences && !review.audiences.includes(PROXY_TOKEN_AUDIENCE)) {
    return { ok: false, status: 401, message: `the token is not for audience ${PROXY_TOKEN_AUDIENCE}` };
  }
  const user = review.user?.username ?? '';
  const want = proxyUser(gateway);
  if (user !== want) {
    return { ok: false, status: 403, message: `${user || 'this token'} may not read the config of Gateway ${gateway}; only its proxies' ServiceAccount ${want.replace('system:serviceaccount:', '').replace(':', '/')} may` };
  }
  return { ok: true, user };
}

/** The one API call the reviewer makes (the controller's KubeClient). */
export type ReviewClient = { request<T = unknown>(method: 'POST', path: string, body?: unknown): Promise<T> };

/** How long a review is trusted: proxies dial again and report often, a token is good for an hour. */
const CACHE_MS = 60_000;
const CACHE_MAX = 10_000;

/** TokenReview with a short cache keyed by the token's hash (the token itself is not kept). */
export class TokenReviewer {
  readonly #client: ReviewClient;
  readonly #now: () => number;
  readonly #cache = new Map<string, { at: number; status: TokenReviewStatus }>();

  constructor(client: ReviewClient, now: () => number = Date.now) {
    this.#client = client;
    this.#now = now;
  }

  async review(token: string): Promise<TokenReviewStatus> {
    const key = createHash('sha256').update(token).digest('hex');
    const hit = this.#cache.get(key);
    if (hit && this.#now() - hit.at < CACHE_MS) return hit.status;
    const res = await this.#client.request<{ status?: TokenReviewStatus }>('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token, audiences: [PROXY_TOKEN_AUDIENCE] },
    });
    const status = res.status ?? {};
    if (this.#cache.size >= CACHE_MAX) this.#cache.clear();
    // Only successes are cached: a refused proxy whose token gets fixed is let in on its next try.
    if (status.authenticated) this.#cache.set(key, { at: this.#now(), status });
    return status;
  }
}

/** The bearer token of an Authorization header, or null. */
export function bearer(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m ? m[1]! : null;
}
