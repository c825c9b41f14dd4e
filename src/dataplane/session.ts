// Session persistence (GEP-1619). The token a client carries (cookie or header) is `<endpoint id>.<created>[.<last
// used>]`, times in base-36 seconds. The id is a hash of the rule and the endpoint, computed at config time: opaque
// (no address in it), the same in every worker and config version, and never matching another rule's endpoints, so
// rules do not share sessions. Tokens are not signed: they steer load balancing, they grant nothing.
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type * as ir from '../ir/types.ts';
import type { HeaderEdit } from './filters/header-modifier.ts';
import type { BackendPick } from './filters/route-policy.ts';
import type { UsableEndpoint } from './upstream.ts';

/** Where a request goes: the backend (undefined: nothing has weight), its endpoint, and what to add to the answer. */
export type StickyChoice = { backend: BackendPick | undefined; endpoint: UsableEndpoint | undefined; edit: HeaderEdit | null };

export type CompiledSession = {
  choose(headers: IncomingHttpHeaders, secure: boolean, pickNormally: () => BackendPick | undefined): StickyChoice;
};

type Target = { backend: BackendPick; endpoint: UsableEndpoint };

/** `backends`: every backend of the rule with the pick the data plane makes for it; `scope` names the rule. */
export function compileSession(sp: ir.SessionPersistence, scope: string, backends: readonly BackendPick[]): CompiledSession {
  // The ids of the clusters' endpoints, made again when a cluster's endpoints change: the data plane hands a runtime
  // cluster new endpoints in place (pods scaled or rolled) without compiling the routes that use it again.
  let seen: unknown[] = [];
  let byId = new Map<string, Target>();
  let idOf = new Map<UsableEndpoint, string>();
  const tables = () => {
    if (backends.every((b, i) => b.cluster === null || b.cluster.endpoints === seen[i])) return;
    seen = backends.map((b) => b.cluster?.endpoints);
    byId = new Map();
    idOf = new Map();
    for (const backend of backends) {
      const cluster = backend.cluster;
      if (cluster === null) continue;
      for (const endpoint of cluster.endpoints.items) {
        const id = createHash('sha256').update(`${scope}|${cluster.name}|${endpoint.address}|${endpoint.port}`).digest('base64url').slice(0, 16);
        byId.set(id, { backend, endpoint });
        idOf.set(endpoint, id);
      }
    }
  };
  tables();
  const name = sp.type === 'Header' ? sp.name.toLowerCase() : sp.name;
  const read = sp.type === 'Header' ? (h: IncomingHttpHeaders) => first(h[name]) : (h: IncomingHttpHeaders) => cookieValue(h.cookie, name);

  return {
    choose(headers, secure, pickNormally) {
      tables();
      const now = Math.floor(Date.now() / 1000);
      const token = read(headers);
      const resumed = token === undefined ? undefined : resume(token, now, sp, byId);
      if (resumed !== undefined) {
        // A cookie without idle timeout stays valid as it is; an idle timeout needs its last-use time renewed, and a
        // header session repeats its token so clients always have it.
        const renew = sp.idleTimeoutSeconds !== undefined || sp.type === 'Header';
        return { backend: resumed.target.backend, endpoint: resumed.target.endpoint, edit: renew ? issue(sp, name, resumed.id, resumed.created, now, secure) : null };
      }
      const backend = pickNormally();
      const endpoint = backend?.cluster?.endpoints.next();
      const id = endpoint === undefined ? undefined : idOf.get(endpoint);
      return { backend, endpoint, edit: id === undefined ? null : issue(sp, name, id, now, now, secure) };
    },
  };
}

function resume(token: string, now: number, sp: ir.SessionPersistence, byId: ReadonlyMap<string, Target>): { target: Target; id: string; created: number } | undefined {
  const [id, createdText, lastText] = token.split('.');
  const target = byId.get(id);
  if (target === undefined || createdText === undefined) return undefined;
  const created = parseInt(createdText, 36);
  const last = lastText === undefined ? created : parseInt(lastText, 36);
  if (!Number.isFinite(created) || !Number.isFinite(last)) return undefined;
  if (sp.absoluteTimeoutSeconds !== undefined && now - created >= sp.absoluteTimeoutSeconds) return undefined;
  if (sp.idleTimeoutSeconds !== undefined && now - last >= sp.idleTimeoutSeconds) return undefined;
  return { target, id, created };
}

function issue(sp: ir.SessionPersistence, name: string, id: string, created: number, now: number, secure: boolean): HeaderEdit {
  const token = `${id}.${created.toString(36)}${sp.idleTimeoutSeconds !== undefined ? `.${now.toString(36)}` : ''}`;
  if (sp.type === 'Header') return (headers) => void (headers[name] = token);
  let cookie = `${name}=${token}; Path=/; HttpOnly`;
  // Permanent: the browser keeps the cookie until the session's absolute end; Session cookies carry no expiry.
  if (sp.lifetime === 'Permanent' && sp.absoluteTimeoutSeconds !== undefined) cookie += `; Max-Age=${Math.max(0, sp.absoluteTimeoutSeconds - (now - created))}`;
  if (secure) cookie += '; Secure';
  return (headers) => {
    const existing = headers['set-cookie'];
    headers['set-cookie'] = existing === undefined ? [cookie] : [...(Array.isArray(existing) ? existing : [existing]), cookie];
  };
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** The value of cookie `name` in a Cookie header (`a=1; b=2`); node joins several Cookie headers with `; `. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return undefined;
}
