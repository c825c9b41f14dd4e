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

export type Listener = HttpListener | HttpsListener | TlsListener | TcpListener | UdpListener;

/**
 * TLS passthrough: the ClientHello's SNI picks a listener host (most specific hostname first, as on HTTP), then one of
 * its routes (exact, then longest wildcard); the connection, still encrypted, is piped to a backend. No match: closed.
 */
export type TlsListener = {
  protocol: 'TLS';
  port: number;
  /** Gateway listeners on this port, most specific hostname first; `routes` of the first whose hostname matches. */
  hosts: TlsListenerHost[];
};

export type TlsListenerHost = {
  listener: string;
  hostname: string | null;
  /** Most specific hostname first; at most one route per hostname (the oldest TLSRoute claiming it). */
  routes: SniRoute[];
};

export type SniRoute = {
  /** Exact hostname, `*.suffix`, or `*` for any SNI (and none). */
  hostname: string;
  /** `tlsroute/<ns>/<name>`, for logs and metrics. */
  route: string;
  /** Weighted choice per connection; a `cluster: null` share, or none, closes the connection. */
  backends: L4Backend[];
};

/** Raw TCP: every connection goes to one backend of the route, chosen by weight. No route: closed. */
export type TcpListener = {
  protocol: 'TCP';
  port: number;
  /** The Gateway listener served here (TCP listeners are told apart by port only). */
  listener: string;
  route: L4Forward | null;
};

/** UDP datagrams: each client address gets its own upstream socket to one backend, chosen by weight. */
export type UdpListener = {
  protocol: 'UDP';
  port: number;
  listener: string;
  route: L4Forward | null;
};

export type L4Forward = {
  /** `tcproute/<ns>/<name>` or `udproute/<ns>/<name>`: the oldest route attached to the listener. */
  route: string;
  backends: L4Backend[];
};

/** As WeightedBackend, without HTTP filters. */
export type L4Backend = { cluster: string | null; weight: number };

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
  kind: 'HTTPRoute' | 'GRPCRoute';
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
  timeouts?: RouteTimeouts;
  retry?: RetryPolicy;
};

export type StringMatch = { type: 'Exact' | 'RegularExpression'; value: string };

export type HttpMatch = {
  /** Absent means any path. PathPrefix values are normalised without a trailing slash, except `/` itself. */
  path?: { type: 'Exact' | 'PathPrefix' | 'RegularExpression'; value: string };
  /** Header names are lower-case. */
  headers: (StringMatch & { name: string })[];
  query: (StringMatch & { name: string })[];
  method?: string;
  /** A GRPCRoute match: characters in the service and method it names, which rank it (GRPCRouteRule godoc). */
  grpc?: { service: number; method: number };
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
  | { type: 'URLRewrite'; hostname?: string; path?: PathModifier }
  | RequestMirrorFilter
  | { type: 'CORS'; cors: CorsPolicy };

/**
 * Fire and forget: a copy of the request, as the rule's request filters left it, goes to one endpoint of `cluster`;
 * its answer is discarded. Unresolved mirror references are dropped by translation, so `cluster` always exists.
 */
export type RequestMirrorFilter = {
  type: 'RequestMirror';
  cluster: string;
  /** Share of requests mirrored, drawn per request by the data plane; absent mirrors every request. */
  fraction?: { numerator: number; denominator: number };
};

/** Origins are `*`, or `scheme://host[:port]` where the host may start with `*` (any number of labels). */
export type CorsPolicy = {
  allowOrigins: string[];
  /** `*` alone echoes the requested method. */
  allowMethods: string[];
  /** `*` alone echoes the requested headers. */
  allowHeaders: string[];
  exposeHeaders: string[];
  allowCredentials: boolean;
  maxAgeSeconds: number;
};

/** Milliseconds; absent (or `0s` in the route) means no limit beyond the data plane's defaults. */
export type RouteTimeouts = {
  /** The whole exchange, retries included: on expiry the client gets 504. */
  requestMs?: number;
  /** Each attempt to a backend: on expiry that attempt counts as a 504. */
  backendRequestMs?: number;
};

/** Retry on the listed answer codes (and connection errors), at most `attempts` times after the first try. */
export type RetryPolicy = {
  codes: number[];
  attempts: number;
  backoffMs: number;
};

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
  /** Applied after the route's filters, only when this backend is chosen (header modifiers and URLRewrite). */
  filters?: HttpFilter[];
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

/**
 * What the proxy speaks to a backend, from the Service port's `appProtocol`: `kubernetes.io/h2c` is HTTP/2 cleartext
 * with prior knowledge, `kubernetes.io/ws` HTTP/1.1 that carries WebSocket upgrades (as every HTTP/1.1 backend
 * does); anything else HTTP/1.1.
 */
export type BackendProtocol = 'http1' | 'h2c' | 'ws';

export type BackendCluster = {
  /** `<kind>/<ns>/<name>:<port>` of the Service port. */
  name: string;
  protocol: BackendProtocol;
  /** Ready endpoints only; empty answers 503. */
  endpoints: Endpoint[];
  lb: 'RoundRobin';
};
