// HTTPRoute filter ExternalAuth (GEP-1494) → an IR ExternalAuth filter whose auth service is resolved like a
// backendRef (ReferenceGrant across namespaces). An unresolved service keeps the rule, whose requests then answer
// 500: leaving the rule out could let a broader rule serve them without any check (fail open).
import type * as gw from '../api/gateway.ts';
import type * as ir from '../ir/types.ts';
import { pathValueProblem } from '../ir/validate.ts';
import type { RefContext } from './mirror.ts';

/** `filters[].externalAuth` (experimental channel); not in the standard API types. */
export type HTTPExternalAuthFilter = {
  protocol?: string;
  backendRef?: gw.BackendObjectReference;
  grpc?: { allowedHeaders?: string[] };
  http?: { path?: string; allowedHeaders?: string[]; allowedResponseHeaders?: string[] };
  forwardBody?: { maxSize?: number };
};

const MAX_BODY = 65_535;

export function translateExternalAuth(f: HTTPExternalAuthFilter | undefined, at: string, refs: RefContext, problems: string[]): ir.ExternalAuthFilter | undefined {
  const where = `${at}.externalAuth`;
  if (!f?.backendRef) {
    problems.push(`${where}.backendRef is required; name the Service that answers authorization requests`);
    return undefined;
  }
  const protocol = f.protocol;
  if (protocol !== 'HTTP' && protocol !== 'GRPC') {
    problems.push(`${where}.protocol ${JSON.stringify(protocol)} is not supported; use HTTP or GRPC`);
    return undefined;
  }
  if (protocol === 'HTTP' && f.grpc) problems.push(`${where}.grpc is set but protocol is HTTP; use http settings or protocol GRPC`);
  if (protocol === 'GRPC' && f.http) problems.push(`${where}.http is set but protocol is GRPC; use grpc settings or protocol HTTP`);
  const maxSize = f.forwardBody?.maxSize ?? 0;
  if (!Number.isInteger(maxSize) || maxSize < 0 || maxSize > MAX_BODY) problems.push(`${where}.forwardBody.maxSize ${maxSize} must be a whole number from 0 to ${MAX_BODY}`);
  const path = f.http?.path;
  if (path !== undefined && path !== '') {
    const p = pathValueProblem(path.startsWith('/') ? path : `/${path}`);
    if (p) problems.push(`${where}.http.path: ${p}`);
  }
  const r = refs.resolver.resolve(f.backendRef, refs.namespace);
  let cluster: ir.BackendCluster | null = null;
  if (r.problem) refs.refProblems.push({ reason: r.problem.reason, message: `${where}: ${r.problem.message}` });
  else {
    // ext_authz over gRPC needs HTTP/2 whatever the Service port's appProtocol says.
    const cl: ir.BackendCluster = protocol === 'GRPC' && r.cluster.protocol !== 'h2c'
      ? { ...r.cluster, name: `${r.cluster.name}/grpc`, protocol: 'h2c' } : r.cluster;
    if (!refs.clusters.some((c) => c.name === cl.name)) refs.clusters.push(cl);
    cluster = cl;
  }
  const lower = (xs: readonly string[] | undefined) => [...new Set((xs ?? []).map((x) => x.toLowerCase()))].sort();
  const out: ir.ExternalAuthFilter = {
    type: 'ExternalAuth', protocol, cluster: cluster?.name ?? null,
    allowedRequestHeaders: lower(protocol === 'HTTP' ? f.http?.allowedHeaders : f.grpc?.allowedHeaders),
    allowedResponseHeaders: protocol === 'HTTP' ? lower(f.http?.allowedResponseHeaders) : [],
    forwardBodyMaxSize: maxSize,
  };
  const prefix = protocol === 'HTTP' && path ? (path.startsWith('/') ? path : `/${path}`).replace(/\/+$/, '') : '';
  if (prefix !== '') out.pathPrefix = prefix;
  return out;
}
