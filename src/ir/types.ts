// The data-plane contract: plain, serialisable data. The data plane knows nothing else.
// Everything here is already resolved: ordering, defaults, references, endpoints.

export const IR_SCHEMA = 1;

/** `namespace/name` of a Gateway. */
export type GatewayKey = string & { readonly __brand: 'GatewayKey' };

export type ProxyConfig = {
  /** `namespace/name` of the Gateway this config serves. */
  gateway: GatewayKey;
  /** Content version; set by whoever hands the config to the data plane (translate leaves it empty). */
  version: string;
  /** Addresses to bind every listener on; empty means all interfaces. Infra may fill it from an address pool. */
  addresses: string[];
  /** One entry per bound port, in port order. */
  listeners: Listener[];
  /** Upstream clusters by name; routes refer to them by name. */
  backends: Record<string, BackendCluster>;
  /**
   * Key material by name (`Secret/<ns>/<name>`), for HTTPS listeners; absent when none is used. Holds private keys:
   * anything that shows a config (admin API, dumps) must redact it, and nothing may log it.
   */
  secrets?: Record<string, TlsSecret>;
};

export type Listener = HttpListener | HttpsListener; // later: | TlsListener | TcpListener | UdpListener

/** A plain-HTTP port. Several Gateway listeners may share it, told apart by hostname (listener isolation). */
export type HttpListener = {
  protocol: 'HTTP';
  port: number;
  /** Gateway listeners on this port, most specific hostname first; the first that matches the Host wins. */
  hosts: ListenerHost[];
};

/**
 * A TLS-terminating port: the handshake picks a certificate by SNI, then requests are routed exactly as on an
 * HttpListener (Host → listener host → virtual host → route).
 */
export type HttpsListener = {
  protocol: 'HTTPS';
  port: number;
  /** As on HttpListener: most specific hostname first. */
  hosts: ListenerHost[];
  /** One per entry of `hosts`, in the same order: the certificate a handshake for that hostname gets. */
  certificates: ListenerCertificate[];
};

/**
 * SNI selection: exact hostname, then the longest wildcard, then the entry without hostname; a handshake without
 * SNI, or whose SNI matches nothing, gets the entry without hostname, else the first.
 */
export type ListenerCertificate = {
  listener: string;
  hostname: string | null;
  /**
   * Names in `ProxyConfig.secrets`; several give one context with several keys (e.g. RSA and ECDSA). Not called
   * `secrets`: redaction digests every field of that name.
   */
  secretNames: string[];
};

/** A certificate chain and its private key, PEM, already checked to parse and to belong together. */
export type TlsSecret = {
  /** The leaf certificate first, then intermediates. */
  certificate: string;
  privateKey: string;
};

/** One Gateway listener's share of a port. */
export type ListenerHost = {
  /** The Gateway listener's name (`spec.listeners[].name`). */
  listener: string;
  /** The listener's hostname: exact, `*.suffix`, or null for any host. */
  hostname: string | null;
  /** Route hostnames under this listener, most specific first (exact, longer wildcards, then `*`). */
  virtualHosts: VirtualHost[];
};

export type VirtualHost = {
  /** Exact hostname, `*.suffix`, or `*` for any. */
  hostname: string;
  /** Routes in Gateway API precedence order; the first whose match succeeds serves the request. */
  routes: HttpRoute[];
};

export type RouteSource = {
  kind: 'HTTPRoute';
  namespace: string;
  name: string;
  /** Index of the rule in `spec.rules`, and of the match within the rule. */
  rule: number;
  match: number;
  /** The rule's `name`, when given. */
  ruleName?: string;
};

export type HttpRoute = {
  /** Stable, unique within the config: `httproute/<ns>/<name>/rule/<i>/match/<j>`. */
  name: string;
  source: RouteSource;
  match: HttpMatch;
  /** Applied in order before the action (request side) and to the response (response side). */
  filters: HttpFilter[];
  action: RouteAction;
};

export type StringMatch = { type: 'Exact' | 'RegularExpression'; value: string };

export type HttpMatch = {
  /** Absent means any path. PathPrefix values are normalised without a trailing slash, except `/` itself. */
  path?: { type: 'Exact' | 'PathPrefix' | 'RegularExpression'; value: string };
  /** Header names are lower-case. */
  headers: (StringMatch & { name: string })[];
  query: (StringMatch & { name: string })[];
  method?: string;
};

export type HeaderModifier = {
  set: { name: string; value: string }[];
  add: { name: string; value: string }[];
  remove: string[];
};

export type PathModifier =
  | { type: 'ReplaceFullPath'; value: string }
  | { type: 'ReplacePrefixMatch'; value: string };

export type HttpFilter =
  | { type: 'RequestHeaderModifier'; modifier: HeaderModifier }
  | { type: 'ResponseHeaderModifier'; modifier: HeaderModifier }
  | { type: 'URLRewrite'; hostname?: string; path?: PathModifier };

export type RouteAction = ForwardAction | RedirectAction | DirectResponseAction;

/**
 * Weighted choice over backends. A backend with `cluster: null` is an invalid reference: its share of requests
 * answers 500. An empty list, or all weights zero, answers 500 too.
 */
export type ForwardAction = {
  type: 'Forward';
  backends: WeightedBackend[];
};

export type WeightedBackend = {
  /** Name in `ProxyConfig.backends`, or null when the reference could not be resolved. */
  cluster: string | null;
  weight: number;
};

export type RedirectAction = {
  type: 'Redirect';
  /** Absent fields keep the request's own. */
  scheme?: 'http' | 'https';
  hostname?: string;
  /** Port to put in Location; absent follows the spec's rules (derive from scheme, keep the listener port otherwise). */
  port?: number;
  path?: PathModifier;
  statusCode: 301 | 302 | 303 | 307 | 308;
};

export type DirectResponseAction = {
  type: 'DirectResponse';
  status: number;
  body?: string;
};

export type Endpoint = { address: string; port: number };

export type BackendCluster = {
  /** `<kind>/<ns>/<name>:<port>` of the Service port. */
  name: string;
  protocol: 'http1';
  /** Ready endpoints only; empty answers 503. */
  endpoints: Endpoint[];
  lb: 'RoundRobin';
};
