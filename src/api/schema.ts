// Shape checks per kind: the types of every field the translator reads, so one malformed object is refused
// where it was read (file:line) instead of making translate() throw for every Gateway.
// Table-driven: each kind is a tree of shapes; `checkShape` walks it. Values (hostnames, regexes, header
// syntax) are the translator's business and come back as route conditions; here only types and presence.

export type Shape =
  | 'string' | 'int' | 'bool' | 'port' | 'intOrString' | 'stringMap' | 'any'
  | { readonly obj: Readonly<Record<string, Shape>>; readonly req?: readonly string[] }
  | { readonly list: Shape; readonly unique?: string }
  | { readonly int: readonly [number, number] };

export type ShapeProblem = { path: (string | number)[]; message: string };

const obj = (fields: Record<string, Shape>, ...req: string[]): Shape => ({ obj: fields, req });
const list = (of: Shape, unique?: string): Shape => ({ list: of, ...(unique ? { unique } : {}) });

const labelSelector = obj({
  matchLabels: 'stringMap',
  matchExpressions: list(obj({ key: 'string', operator: 'string', values: list('string') }, 'key', 'operator')),
});
const header = obj({ name: 'string', value: 'string' }, 'name', 'value');
const headerFilter = obj({ set: list(header), add: list(header), remove: list('string') });
const pathModifier = obj({ type: 'string', replaceFullPath: 'string', replacePrefixMatch: 'string' }, 'type');
const backendObjectRef = { group: 'string', kind: 'string', namespace: 'string', name: 'string', port: 'port' } as const;
const filter = obj({
  type: 'string',
  requestHeaderModifier: headerFilter,
  responseHeaderModifier: headerFilter,
  requestRedirect: obj({ scheme: 'string', hostname: 'string', path: pathModifier, port: 'port', statusCode: 'int' }),
  urlRewrite: obj({ hostname: 'string', path: pathModifier }),
  requestMirror: 'any',
  extensionRef: 'any',
  externalAuth: obj({
    protocol: 'string',
    backendRef: obj(backendObjectRef, 'name'),
    grpc: obj({ allowedHeaders: list('string') }),
    http: obj({ path: 'string', allowedHeaders: list('string'), allowedResponseHeaders: list('string') }),
    forwardBody: obj({ maxSize: 'int' }),
  }),
}, 'type');
const sessionPersistence = obj({
  sessionName: 'string', absoluteTimeout: 'string', idleTimeout: 'string', type: 'string', cookieConfig: obj({ lifetimeType: 'string' }),
});
const stringMatch = obj({ type: 'string', name: 'string', value: 'string' }, 'name', 'value');

const metadata = obj({
  name: 'string', namespace: 'string', generation: 'int', creationTimestamp: 'string',
  resourceVersion: 'string', uid: 'string', labels: 'stringMap', annotations: 'stringMap',
}, 'name');

const listener = obj({
  name: 'string', hostname: 'string', port: 'port', protocol: 'string', tls: 'any',
  allowedRoutes: obj({
    namespaces: obj({ from: 'string', selector: labelSelector }),
    kinds: list(obj({ group: 'string', kind: 'string' }, 'kind')),
  }),
}, 'name', 'port', 'protocol');

const frontendValidation = obj({
  caCertificateRefs: list(obj({ group: 'string', kind: 'string', name: 'string', namespace: 'string' }, 'kind', 'name')),
  mode: 'string',
});

const parentRef = obj({ group: 'string', kind: 'string', namespace: 'string', name: 'string', sectionName: 'string', port: 'port' }, 'name');

/** A route's backendRef with a weight and its own filters (HTTPRoute, GRPCRoute). */
const filteredBackendRef = obj({ ...backendObjectRef, weight: { int: [0, 1_000_000] }, filters: list(filter) }, 'name');

function l4RouteSpec(hostnames: boolean): Shape {
  return obj({
    parentRefs: list(parentRef),
    ...(hostnames ? { hostnames: list('string') } : {}),
    rules: list(obj({ name: 'string', backendRefs: list(obj({ ...backendObjectRef, weight: { int: [0, 1_000_000] } }, 'name')) })),
  });
}

/** Per kind, the fields besides apiVersion/kind/metadata. Kinds not listed get only the metadata check. */
export const KIND_SHAPES: Readonly<Record<string, Readonly<Record<string, Shape>>>> = {
  GatewayClass: { spec: obj({ controllerName: 'string', description: 'string', parametersRef: 'any' }, 'controllerName') },
  Gateway: {
    spec: obj({
      gatewayClassName: 'string',
      listeners: list(listener, 'name'),
      addresses: list(obj({ type: 'string', value: 'string' })),
      infrastructure: 'any',
      allowedListeners: obj({ namespaces: obj({ from: 'string', selector: labelSelector }) }),
      tls: obj({
        frontend: obj({
          default: obj({ validation: frontendValidation }),
          perPort: list(obj({ port: 'port', tls: obj({ validation: frontendValidation }) }, 'port'), 'port'),
        }),
        backend: 'any',
      }),
    }, 'gatewayClassName', 'listeners'),
  },
  HTTPRoute: {
    spec: obj({
      parentRefs: list(parentRef),
      hostnames: list('string'),
      rules: list(obj({
        name: 'string',
        matches: list(obj({
          path: obj({ type: 'string', value: 'string' }),
          headers: list(stringMatch),
          queryParams: list(stringMatch),
          method: 'string',
        })),
        filters: list(filter),
        backendRefs: list(filteredBackendRef),
        timeouts: 'any',
        sessionPersistence,
      })),
    }),
  },
  GRPCRoute: {
    spec: obj({
      parentRefs: list(parentRef),
      hostnames: list('string'),
      rules: list(obj({
        name: 'string',
        matches: list(obj({
          method: obj({ type: 'string', service: 'string', method: 'string' }),
          headers: list(stringMatch),
        })),
        filters: list(filter),
        backendRefs: list(filteredBackendRef),
        sessionPersistence,
      })),
    }),
  },
  TLSRoute: { spec: l4RouteSpec(true) },
  TCPRoute: { spec: l4RouteSpec(false) },
  UDPRoute: { spec: l4RouteSpec(false) },
  ListenerSet: {
    spec: obj({
      parentRef: obj({ group: 'string', kind: 'string', namespace: 'string', name: 'string' }, 'name'),
      listeners: list(listener, 'name'),
    }, 'parentRef', 'listeners'),
  },
  ReferenceGrant: {
    spec: obj({
      from: list(obj({ group: 'string', kind: 'string', namespace: 'string' }, 'kind', 'namespace')),
      to: list(obj({ group: 'string', kind: 'string', name: 'string' }, 'kind')),
    }),
  },
  Service: {
    spec: obj({
      type: 'string', clusterIP: 'string', externalName: 'string', selector: 'stringMap',
      ports: list(obj({ name: 'string', protocol: 'string', port: 'port', targetPort: 'intOrString', appProtocol: 'string' }, 'port')),
    }),
  },
  EndpointSlice: {
    addressType: 'string',
    endpoints: list(obj({
      addresses: list('string'),
      conditions: obj({ ready: 'bool', serving: 'bool', terminating: 'bool' }),
      hostname: 'string',
    }, 'addresses')),
    ports: list(obj({ name: 'string', port: 'port', protocol: 'string', appProtocol: 'string' })),
  },
  BackendTLSPolicy: {
    spec: obj({
      targetRefs: list(obj({ group: 'string', kind: 'string', name: 'string', sectionName: 'string' }, 'kind', 'name')),
      validation: obj({
        caCertificateRefs: list(obj({ group: 'string', kind: 'string', name: 'string' }, 'kind', 'name')),
        wellKnownCACertificates: 'string',
        hostname: 'string',
        subjectAltNames: list(obj({ type: 'string', hostname: 'string', uri: 'string' }, 'type')),
      }, 'hostname'),
      options: 'stringMap',
    }, 'targetRefs', 'validation'),
  },
  XBackendTrafficPolicy: {
    spec: obj({
      targetRefs: list(obj({ group: 'string', kind: 'string', name: 'string' }, 'kind', 'name')),
      retryConstraint: obj({
        budget: obj({ percent: 'int', interval: 'string' }),
        minRetryRate: obj({ count: 'int', interval: 'string' }),
      }),
      sessionPersistence,
    }, 'targetRefs'),
  },
  Secret: { type: 'string', data: 'stringMap', stringData: 'stringMap' },
  ConfigMap: { data: 'stringMap' },
};

/** Kinds whose spec Kubernetes requires; translate reads it without a fallback. */
const SPEC_REQUIRED = new Set(['GatewayClass', 'Gateway', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute', 'ReferenceGrant', 'ListenerSet', 'Service', 'BackendTLSPolicy', 'XBackendTrafficPolicy']);

/**
 * Checks one object against its kind's table. Optional fields set to null are removed (Kubernetes reads null as
 * unset, and kubectl writes `creationTimestamp: null`), so the object is modified in place. Returns the first problem.
 */
export function checkObjectShape(o: Record<string, unknown>): ShapeProblem | undefined {
  const kind = String(o.kind);
  const fields = { metadata, ...(KIND_SHAPES[kind] ?? {}) };
  const req = ['metadata', ...(SPEC_REQUIRED.has(kind) ? ['spec'] : [])];
  return checkShape(o, { obj: fields, req }, [], `${kind} ${nameOf(o)}`);
}

export function checkShape(v: unknown, shape: Shape, path: (string | number)[], what: string): ShapeProblem | undefined {
  const fail = (expected: string): ShapeProblem => ({
    path, message: `${what}: ${fieldPath(path)} must be ${expected}, got ${describe(v)}; fix the value`,
  });
  if (shape === 'any') return undefined;
  if (shape === 'string') return typeof v === 'string' ? undefined : fail('a string (quote it if YAML reads it as a number or boolean)');
  if (shape === 'bool') return typeof v === 'boolean' ? undefined : fail('true or false');
  if (shape === 'int') return Number.isSafeInteger(v) ? undefined : fail('an integer');
  if (shape === 'port') return isIntIn(v, 1, 65535) ? undefined : fail('a port number from 1 to 65535');
  if (shape === 'intOrString') return typeof v === 'string' || isIntIn(v, 1, 65535) ? undefined : fail('a port number or a port name');
  if (shape === 'stringMap') {
    if (!isPlainObject(v)) return fail('a mapping of strings');
    for (const [k, x] of Object.entries(v)) {
      if (typeof x !== 'string') return { path: [...path, k], message: `${what}: ${fieldPath([...path, k])} must be a string, got ${describe(x)}; quote it` };
    }
    return undefined;
  }
  if ('int' in shape) return isIntIn(v, shape.int[0], shape.int[1]) ? undefined : fail(`an integer from ${shape.int[0]} to ${shape.int[1]}`);
  if ('list' in shape) {
    if (!Array.isArray(v)) return fail('a list');
    const seen = new Set<unknown>();
    for (const [i, x] of v.entries()) {
      if (x === null) return { path: [...path, i], message: `${what}: ${fieldPath([...path, i])} is empty; remove the entry or fill it in` };
      const p = checkShape(x, shape.list, [...path, i], what);
      if (p) return p;
      if (shape.unique) {
        const key = (x as Record<string, unknown>)[shape.unique];
        if (seen.has(key)) {
          return { path: [...path, i, shape.unique], message: `${what}: ${fieldPath([...path, i, shape.unique])} ${JSON.stringify(key)} is used twice in ${fieldPath(path)}; give each entry a unique ${shape.unique}` };
        }
        seen.add(key);
      }
    }
    return undefined;
  }
  if (!isPlainObject(v)) return fail('a mapping');
  for (const key of shape.req ?? []) {
    if (v[key] === undefined || v[key] === null) {
      return { path, message: `${what}: ${fieldPath([...path, key])} is required; add it` };
    }
  }
  for (const [key, sub] of Object.entries(shape.obj)) {
    if (!Object.hasOwn(v, key)) continue;
    if (v[key] === null) {
      delete v[key];
      continue;
    }
    const p = checkShape(v[key], sub, [...path, key], what);
    if (p) return p;
  }
  return undefined;
}

function isIntIn(v: unknown, min: number, max: number): boolean {
  return Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Date) return `the timestamp ${v.toISOString()}`;
  if (isPlainObject(v)) return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function nameOf(o: Record<string, unknown>): string {
  const m = isPlainObject(o.metadata) ? o.metadata : {};
  return typeof m.namespace === 'string' && m.namespace ? `${m.namespace}/${String(m.name)}` : String(m.name);
}

/** `spec.listeners[0].port`, as users read it in kubectl explain. */
export function fieldPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(object)';
}
