// How the controller reaches the API server: the server URL and what each request carries (CA, client certificate,
// bearer token). In a pod (the ServiceAccount's files) and with a kubeconfig of certificates or tokens, Portico reads
// these itself. Anything else a kubeconfig can say (exec plugins, auth providers, proxy-url, several KUBECONFIG
// files merged) is left to @kubernetes/client-node, imported only then: it loads its whole generated API with it,
// about 70 MiB of resident memory in a controller that needs none of it.
import { existsSync, readFileSync } from 'node:fs';
import type https from 'node:https';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';

export type KubeAccess = {
  /** The API server URL, without a trailing slash. */
  readonly server: string;
  /** The current context's namespace, if it names one. */
  readonly namespace: string | undefined;
  /** Requests go through an HTTP or SOCKS proxy (the agent is the kubeconfig's own then, not a shared one). */
  readonly proxied: boolean;
  /** Puts the TLS material and credentials on one request's options; fresh each time (tokens rotate). */
  apply(opts: https.RequestOptions): Promise<void>;
  /** Where the settings came from, for messages. */
  readonly from: string;
};

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** How long a token, certificate or CA read from a file is used before the file is read again. */
const REREAD_MS = 60_000;

type Files = { env: NodeJS.ProcessEnv; home: string; serviceAccountDir: string; /** Tests: instead of REREAD_MS. */ rereadMs?: number };

/**
 * The kubeconfig at `path`, else as kubectl finds one: the files $KUBECONFIG lists (missing ones skipped, merged
 * with the first of each name and the first current-context winning), ~/.kube/config, then the pod's ServiceAccount.
 * Throws with what was wrong and where.
 */
export async function loadKubeAccess(path: string | null, files: Files = { env: process.env, home: homedir(), serviceAccountDir: SERVICE_ACCOUNT_DIR }): Promise<KubeAccess> {
  const every = files.rereadMs ?? REREAD_MS;
  if (path !== null) return fromConfig(readConfig(path), path, every);
  const listed = (files.env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  const home = join(files.home, '.kube', 'config');
  const found = listed.length > 0 ? listed.filter((f) => existsSync(f)) : existsSync(home) ? [home] : [];
  if (found.length === 1) return fromConfig(readConfig(found[0]!), found[0]!, every);
  if (found.length > 1) return fromConfig(merge(found.map(readConfig)), `the KUBECONFIG files ${found.join(', ')}`, every);
  const inCluster = fromServiceAccount(files);
  if (inCluster) return inCluster;
  if (listed.length > 0) throw new Error(`KUBECONFIG lists ${listed.join(', ')}, and none of them exists; pass --kubeconfig PATH or fix KUBECONFIG`);
  throw new Error(`no kubeconfig: not passed with --kubeconfig, KUBECONFIG unset, no ${home}, and not in a pod (no ${join(files.serviceAccountDir, 'token')})`);
}

/** A client-node KubeConfig as a KubeAccess (tests and benchmarks build one directly). */
export function accessFromKubeConfig(kc: KubeConfig, from = 'kubeconfig'): KubeAccess {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`${from} has no current cluster; set current-context or pass --kubeconfig PATH`);
  return {
    server: cluster.server.replace(/\/+$/, ''),
    namespace: kc.getContextObject(kc.getCurrentContext())?.namespace || undefined,
    proxied: Boolean(cluster.proxyUrl),
    apply: (opts) => kc.applyToHTTPSOptions(opts),
    from,
  };
}

/** What only client-node handles: the config, its relative paths made absolute, handed to it as text. */
async function viaClientNode(config: Config, where: string): Promise<KubeAccess> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromString(stringify(config));
  return accessFromKubeConfig(kc, `${where} (read by @kubernetes/client-node)`);
}

type Named<T> = { name?: string } & T;
type Cluster = { server?: string; 'certificate-authority'?: string; 'certificate-authority-data'?: string; 'insecure-skip-tls-verify'?: boolean; 'tls-server-name'?: string; 'proxy-url'?: string; extensions?: unknown };
type User = { 'client-certificate'?: string; 'client-certificate-data'?: string; 'client-key'?: string; 'client-key-data'?: string; token?: string; tokenFile?: string };
type Config = {
  'current-context'?: string;
  clusters?: Named<{ cluster?: Cluster }>[];
  users?: Named<{ user?: User & Record<string, unknown> }>[];
  contexts?: Named<{ context?: { cluster?: string; user?: string; namespace?: string } }>[];
};
const USER_KEYS = new Set(['client-certificate', 'client-certificate-data', 'client-key', 'client-key-data', 'token', 'tokenFile']);

/** A kubeconfig file parsed, its relative paths made absolute (they are relative to the file's folder, as kubectl reads them). */
function readConfig(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the kubeconfig ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); pass --kubeconfig PATH or set KUBECONFIG`);
  }
  const config = (parse(text) ?? {}) as Config;
  const base = dirname(file);
  const absolute = (p: unknown) => (typeof p === 'string' && p !== '' && !isAbsolute(p) ? join(base, p) : p);
  for (const c of config.clusters ?? []) if (c.cluster) c.cluster['certificate-authority'] = absolute(c.cluster['certificate-authority']) as string | undefined;
  for (const u of config.users ?? []) {
    if (!u.user) continue;
    for (const k of ['client-certificate', 'client-key', 'tokenFile'] as const) u.user[k] = absolute(u.user[k]) as string | undefined;
  }
  return stripUndefined(config);
}

/** kubectl's merge of several kubeconfigs: the first current-context set, the first cluster, user or context of each name. */
function merge(configs: Config[]): Config {
  const firstOfEach = <T extends { name?: string }>(lists: (T[] | undefined)[]): T[] => {
    const seen = new Map<string, T>();
    for (const list of lists) for (const x of list ?? []) if (!seen.has(x.name ?? '')) seen.set(x.name ?? '', x);
    return [...seen.values()];
  };
  const current = configs.find((c) => c['current-context'])?.['current-context'];
  return stripUndefined({
    'current-context': current,
    clusters: firstOfEach(configs.map((c) => c.clusters)),
    users: firstOfEach(configs.map((c) => c.users)),
    contexts: firstOfEach(configs.map((c) => c.contexts)),
  });
}

function stripUndefined<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

/** The current context of `config`, read by Portico when it can, else by client-node. */
function fromConfig(config: Config, where: string, every: number): KubeAccess | Promise<KubeAccess> {
  const contextName = config['current-context'];
  if (!contextName) throw new Error(`the kubeconfig ${where} has no current-context; set one with kubectl config use-context NAME`);
  const context = config.contexts?.find((c) => c.name === contextName)?.context;
  if (!context) throw new Error(`the kubeconfig ${where} has no context "${contextName}" (its current-context)`);
  const cluster = config.clusters?.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster?.server) throw new Error(`the kubeconfig ${where}: context "${contextName}" names cluster "${context.cluster ?? ''}", which it does not define with a server`);
  const user = (context.user === undefined ? {} : config.users?.find((u) => u.name === context.user)?.user) ?? {};
  if (cluster['proxy-url'] || Object.keys(user).some((k) => !USER_KEYS.has(k))) return viaClientNode(config, where);

  const insecure = cluster['insecure-skip-tls-verify'] === true;
  if (insecure && (cluster['certificate-authority-data'] || cluster['certificate-authority'])) {
    throw new Error(`the kubeconfig ${where}: cluster "${context.cluster}" sets both insecure-skip-tls-verify and a certificate authority; keep one (client-go refuses the pair too)`);
  }
  const material = (what: string, data: string | undefined, path: string | undefined): (() => Buffer) | undefined => {
    if (data) {
      const bytes = Buffer.from(data, 'base64');
      return () => bytes;
    }
    return path ? reread(path, `the kubeconfig ${where}: its ${what}`, every) : undefined;
  };
  const ca = material('certificate-authority', cluster['certificate-authority-data'], cluster['certificate-authority']);
  const cert = material('client-certificate', user['client-certificate-data'], user['client-certificate']);
  const key = material('client-key', user['client-key-data'], user['client-key']);
  const tokenFile = user.tokenFile ? reread(user.tokenFile, `the kubeconfig ${where}: its tokenFile`, every) : undefined;
  const token = user.token ? () => user.token! : tokenFile ? () => tokenFile().toString('utf8').trim() : undefined;
  return access(cluster.server, context.namespace, { ca, cert, key, token, insecure, servername: cluster['tls-server-name'] }, where);
}

/** The pod's ServiceAccount, as client-go's in-cluster config: null outside a pod. */
function fromServiceAccount(files: Files): KubeAccess | null {
  const host = files.env.KUBERNETES_SERVICE_HOST, port = files.env.KUBERNETES_SERVICE_PORT;
  const tokenFile = join(files.serviceAccountDir, 'token');
  if (!host || !port || !existsSync(tokenFile)) return null;
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let namespace: string | undefined;
  try {
    namespace = readFileSync(join(files.serviceAccountDir, 'namespace'), 'utf8').trim() || undefined;
  } catch {
    // the namespace file is optional
  }
  const caFile = join(files.serviceAccountDir, 'ca.crt');
  const every = files.rereadMs ?? REREAD_MS;
  const ca = existsSync(caFile) ? reread(caFile, 'the ServiceAccount\'s CA', every) : undefined;
  const token = reread(tokenFile, 'the ServiceAccount\'s token', every);
  return access(server, namespace, { ca, token: () => token().toString('utf8').trim(), insecure: false }, `the ServiceAccount in ${files.serviceAccountDir}`);
}

type Material = { ca?: () => Buffer; cert?: () => Buffer; key?: () => Buffer; token?: () => string; insecure: boolean; servername?: string };

function access(server: string, namespace: string | undefined, m: Material, from: string): KubeAccess {
  return {
    server: server.replace(/\/+$/, ''),
    namespace: namespace || undefined,
    proxied: false,
    from,
    async apply(opts) {
      if (m.ca) opts.ca = m.ca();
      if (m.cert) opts.cert = m.cert();
      if (m.key) opts.key = m.key();
      if (m.servername) opts.servername = m.servername;
      opts.rejectUnauthorized = !m.insecure;
      const token = m.token?.();
      if (token) opts.headers = { ...opts.headers, authorization: `Bearer ${token}` };
    },
  };
}

/**
 * A file read again once a minute, as client-go does: bound ServiceAccount tokens expire and the kubelet writes new
 * ones; certificates and CAs rotate (the keep-alive agent is replaced when their bytes change, kube-client.ts). The
 * first read must succeed; a later failure keeps the last content, as a file being swapped can be missing a moment.
 */
function reread(path: string, what: string, every: number): () => Buffer {
  let content: Buffer;
  try {
    content = readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read ${what} ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let readAt = performance.now();
  return () => {
    const now = performance.now();
    if (now - readAt >= every) {
      readAt = now;
      try {
        content = readFileSync(path);
      } catch {
        // keep the last content
      }
    }
    return content;
  };
}
