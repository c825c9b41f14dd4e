// Gateway API types (gateway.networking.k8s.io), upstream names, only the fields Portico reads.
import type { Condition, KubeObject, LabelSelector } from './meta.ts';

export const GROUP = 'gateway.networking.k8s.io';
export const CONTROLLER_NAME = 'portico.dev/gateway-controller';

export type ParentReference = {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
  sectionName?: string;
  port?: number;
};

export type BackendObjectReference = {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
  port?: number;
};

export type SecretObjectReference = {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
};

// ---- GatewayClass

export type GatewayClass = KubeObject & {
  kind: 'GatewayClass';
  spec: {
    controllerName: string;
    parametersRef?: { group: string; kind: string; name: string; namespace?: string };
    description?: string;
  };
  status?: GatewayClassStatus;
};

export type GatewayClassStatus = {
  conditions?: Condition[];
  supportedFeatures?: { name: string }[];
};

// ---- Gateway

export type ProtocolType = 'HTTP' | 'HTTPS' | 'TLS' | 'TCP' | 'UDP' | string;

export type RouteGroupKind = { group?: string; kind: string };

export type AllowedRoutes = {
  namespaces?: { from?: 'All' | 'Same' | 'Selector' | 'None'; selector?: LabelSelector };
  kinds?: RouteGroupKind[];
};

export type ListenerTLSConfig = {
  mode?: 'Terminate' | 'Passthrough';
  certificateRefs?: SecretObjectReference[];
  options?: Record<string, string>;
};

export type Listener = {
  name: string;
  hostname?: string;
  port: number;
  protocol: ProtocolType;
  tls?: ListenerTLSConfig;
  allowedRoutes?: AllowedRoutes;
};

export type GatewaySpecAddress = { type?: 'IPAddress' | 'Hostname' | 'NamedAddress' | string; value?: string };

export type Gateway = KubeObject & {
  kind: 'Gateway';
  spec: {
    gatewayClassName: string;
    listeners: Listener[];
    addresses?: GatewaySpecAddress[];
    infrastructure?: {
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
      parametersRef?: { group: string; kind: string; name: string };
    };
    tls?: GatewayTLSConfig;
    /** Which namespaces' ListenerSets may attach; absent means none. */
    allowedListeners?: AllowedListeners;
  };
  status?: GatewayStatus;
};

export type AllowedListeners = {
  namespaces?: { from?: 'All' | 'Same' | 'Selector' | 'None'; selector?: LabelSelector };
};

/** A reference to a CA bundle (ConfigMap or Secret, key `ca.crt`) or other object, by group/kind/name. */
export type ObjectReference = { group?: string; kind?: string; name: string; namespace?: string };

export type FrontendValidationSpec = { caCertificateRefs?: ObjectReference[]; mode?: string };

/** Gateway `spec.tls.frontend`: client-certificate validation for every HTTPS port, or per port. */
export type FrontendTLSConfig = {
  default?: { validation?: FrontendValidationSpec };
  perPort?: { port: number; tls?: { validation?: FrontendValidationSpec } }[];
};

/** Gateway `spec.tls`: what clients must present (frontend) and what the Gateway presents to backends (backend). */
export type GatewayTLSConfig = {
  frontend?: FrontendTLSConfig;
  backend?: { clientCertificateRef?: SecretObjectReference };
};

export type ListenerStatus = {
  name: string;
  supportedKinds: RouteGroupKind[];
  attachedRoutes: number;
  conditions: Condition[];
};

export type GatewayStatus = {
  addresses?: { type?: string; value: string }[];
  /** ListenerSets attached (Accepted) to this Gateway. */
  attachedListenerSets?: number;
  conditions?: Condition[];
  listeners?: ListenerStatus[];
};

// ---- HTTPRoute

export type HTTPPathMatch = { type?: 'Exact' | 'PathPrefix' | 'RegularExpression'; value?: string };
export type HTTPHeaderMatch = { type?: 'Exact' | 'RegularExpression'; name: string; value: string };
export type HTTPQueryParamMatch = { type?: 'Exact' | 'RegularExpression'; name: string; value: string };

export type HTTPRouteMatch = {
  path?: HTTPPathMatch;
  headers?: HTTPHeaderMatch[];
  queryParams?: HTTPQueryParamMatch[];
  method?: string;
};

export type HTTPHeader = { name: string; value: string };
export type HTTPHeaderFilter = { set?: HTTPHeader[]; add?: HTTPHeader[]; remove?: string[] };

export type HTTPPathModifier = {
  type: 'ReplaceFullPath' | 'ReplacePrefixMatch';
  replaceFullPath?: string;
  replacePrefixMatch?: string;
};

export type HTTPRequestRedirectFilter = {
  scheme?: 'http' | 'https';
  hostname?: string;
  path?: HTTPPathModifier;
  port?: number;
  statusCode?: number;
};

export type HTTPURLRewriteFilter = { hostname?: string; path?: HTTPPathModifier };

export type HTTPRouteFilter = {
  type: 'RequestHeaderModifier' | 'ResponseHeaderModifier' | 'RequestRedirect' | 'URLRewrite' | 'RequestMirror' | 'ExtensionRef' | string;
  requestHeaderModifier?: HTTPHeaderFilter;
  responseHeaderModifier?: HTTPHeaderFilter;
  requestRedirect?: HTTPRequestRedirectFilter;
  urlRewrite?: HTTPURLRewriteFilter;
  requestMirror?: { backendRef: BackendObjectReference; percent?: number; fraction?: { numerator: number; denominator?: number } };
  extensionRef?: { group: string; kind: string; name: string };
};

export type HTTPBackendRef = BackendObjectReference & { weight?: number; filters?: HTTPRouteFilter[] };

export type HTTPRouteRule = {
  name?: string;
  matches?: HTTPRouteMatch[];
  filters?: HTTPRouteFilter[];
  backendRefs?: HTTPBackendRef[];
  timeouts?: { request?: string; backendRequest?: string };
};

export type RouteParentStatus = {
  parentRef: ParentReference;
  controllerName: string;
  conditions: Condition[];
};

export type RouteStatus = { parents: RouteParentStatus[] };

export type HTTPRoute = KubeObject & {
  kind: 'HTTPRoute';
  spec: {
    parentRefs?: ParentReference[];
    hostnames?: string[];
    rules?: HTTPRouteRule[];
  };
  status?: RouteStatus;
};

// ---- ReferenceGrant

export type ReferenceGrant = KubeObject & {
  kind: 'ReferenceGrant';
  spec: {
    from: { group: string; kind: string; namespace: string }[];
    to: { group: string; kind: string; name?: string }[];
  };
};
