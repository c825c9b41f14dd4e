// The data-plane contract: plain, serialisable data. The data plane knows nothing else.
// Everything here is already resolved: ordering, defaults, references, endpoints.

/** Bumped when the IR changes in a way an older data plane would misread; the config stream refuses a mismatch. */
export const IR_SCHEMA = 2;

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
 * TLSRoutes by SNI: the ClientHello's SNI picks a listener host (most specific hostname first, as on HTTP), then one
 * of its routes (exact, then longest wildcard); the connection is piped to a backend still encrypted (passthrough) or
 * after the data plane completed the handshake (terminate; both may share a port). No match: closed.
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
  /**
   * Terminate mode: the handshake is completed with these certificates and the plain stream goes to the backend.
   * Absent: passthrough, the still-encrypted stream goes to the backend.
   */
  terminate?: TlsTermination;
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
  /** Client-certificate validation for the whole port (Gateway `spec.tls.frontend`, per port or default). */
  clientValidation?: ClientValidation;
};

/** Asks every client of the port for a certificate signed by one of `caCertificates`. */
export type ClientValidation = {
  /** PEM CA certificates, each already checked to parse. */
  caCertificates: string[];
  /** AllowValidOnly: a handshake without a valid client certificate fails. AllowInsecureFallback: asked, not required. */
  mode: 'AllowValidOnly' | 'AllowInsecureFallback';
};

/** Listener `tls.options` Portico understands; absent fields take the defaults (TLS 1.2 minimum, modern AEAD ciphers). */
export type TlsOptions = {
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** OpenSSL cipher names (TLS 1.2) and TLS 1.3 suite names, in preference order. */
  ciphers?: string[];
};

export type TlsTermination = {
  /** Names in `ProxyConfig.secrets`, as ListenerCertificate.secretNames. */
  secretNames: string[];
  options?: TlsOptions;
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
  options?: TlsOptions;
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
  /** GEP-1619: requests carrying the session's cookie or header go back to the endpoint it names. */
  sessionPersistence?: SessionPersistence;
};

/**
 * The gateway issues a token naming the chosen endpoint (an opaque id the data plane derives from the cluster name and
 * endpoint address); a later request carrying it goes to that endpoint while the config lists it, else is balanced
 * as usual and gets a new token. Each rule is its own session: a token from another rule is ignored.
 */
export type SessionPersistence = {
  type: 'Cookie' | 'Header';
  /** The cookie or header name. */
  name: string;
  /** Cookie only: `Permanent` gives the cookie Max-Age = absoluteTimeoutSeconds; `Session` sets no expiry. */
  lifetime: 'Session' | 'Permanent';
  /** The session ends this long after it was established, however much it is used. */
  absoluteTimeoutSeconds?: number;
  /** The session ends when unused this long; every answer then renews the token. */
  idleTimeoutSeconds?: number;
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
  | { type: 'CORS'; cors: CorsPolicy }
  | ExternalAuthFilter;

/**
 * GEP-1494: before the request goes upstream (after the rule's request filters), the authorization service is asked.
 * HTTP: the same method and path (prefixed with `pathPrefix`) with the allowed headers; 200 allows, anything else is
 * the answer the client gets. GRPC: envoy.service.auth.v3.Authorization/Check. Unreachable or too slow: 403.
 */
export type ExternalAuthFilter = {
  type: 'ExternalAuth';
  protocol: 'HTTP' | 'GRPC';
  /** Null when the reference did not resolve: every request answers 500 (never forwarded unchecked). */
  cluster: string | null;
  /** HTTP only: prepended to the request path. */
  pathPrefix?: string;
  /** Lower-case. HTTP: sent besides host, authorization and content-length; GRPC: empty sends every header. */
  allowedRequestHeaders: string[];
  /** HTTP only, lower-case: auth answer headers copied onto the upstream request; empty copies all but host. */
  allowedResponseHeaders: string[];
  /** Bytes of request body sent along; 0 sends none. A longer body is answered 413. */
  forwardBodyMaxSize: number;
};

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
  /**
   * By cluster name: the XBackendTrafficPolicy retry budget of the Service behind it. Once spent, a retry that would
   * go to that cluster answers 503 instead.
   */
  budgets?: Record<string, RetryBudget>;
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
  /** A RequestRedirect on the backendRef: when this backend is chosen the client gets this redirect instead. */
  redirect?: RedirectAction;
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
  /** Present when a BackendTLSPolicy applies to the Service port: the proxy speaks TLS to every endpoint. */
  tls?: BackendTls;
};

/** How the proxy connects to a TLS backend (BackendTLSPolicy, plus the Gateway's backend client certificate). */
export type BackendTls = {
  /** `<ns>/<name>` of the BackendTLSPolicy, for logs. */
  policy: string;
  /** Sent as SNI; the certificate must match it unless `subjectAltNames` is non-empty. */
  serverName: string;
  /** PEM CA certificates trusted for this backend; absent trusts the system roots. */
  caCertificates?: string;
  /** When non-empty, the certificate must carry one of these (and `serverName` is not checked). */
  subjectAltNames: BackendSubjectAltName[];
  /** Presented to the backend when it asks for a client certificate (Gateway `spec.tls.backend`). */
  clientCertificate?: TlsSecret;
  /** Set when the policy has no usable trust anchor: requests answer 502 (`PORTICO_BACKEND_TLS_INVALID`), never connecting. */
  invalid?: string;
};

export type BackendSubjectAltName = { type: 'Hostname' | 'URI'; value: string };

/**
 * A retry is allowed while retries in the last `intervalMs` stay under `percent` of the requests in it, or while
 * retries in the last `minRetryIntervalMs` number fewer than `minRetryCount` (so quiet services can still retry).
 */
export type RetryBudget = {
  percent: number;
  intervalMs: number;
  minRetryCount: number;
  minRetryIntervalMs: number;
};
