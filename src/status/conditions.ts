// One constructor per condition: the spec's type and reason, and a message that says what to fix.
// No lastTransitionTime: translation has no clock; the status store stamps it when a condition changes.
import type { Condition } from '../api/meta.ts';

function cond(type: string, ok: boolean, reason: string, message: string, gen: number): Condition {
  return { type, status: ok ? 'True' : 'False', reason, message, observedGeneration: gen };
}

// ---- GatewayClass

export const classAccepted = (gen: number): Condition =>
  cond('Accepted', true, 'Accepted', 'GatewayClass is accepted by portico.dev/gateway-controller', gen);

// ---- Gateway

export const gatewayAccepted = (gen: number): Condition =>
  cond('Accepted', true, 'Accepted', 'Gateway is accepted; every listener is valid', gen);

/** Accepted with some listeners invalid (ok = true), or rejected because none is valid (ok = false). */
export const gatewayListenersNotValid = (gen: number, ok: boolean, detail: string): Condition =>
  cond('Accepted', ok, 'ListenersNotValid',
    ok ? `Gateway is accepted, but some listeners are not valid: ${detail}; fix them to serve their routes`
       : `Gateway has no valid listener: ${detail}; fix at least one listener`, gen);

export const gatewayUnsupportedAddress = (gen: number, detail: string): Condition =>
  cond('Accepted', false, 'UnsupportedAddress',
    `${detail}; use spec.addresses entries of type IPAddress with a valid IPv4 or IPv6 value, or remove spec.addresses`, gen);

export const gatewayProgrammed = (gen: number, detail = 'Gateway configuration is generated for the data plane'): Condition =>
  cond('Programmed', true, 'Programmed', detail, gen);

export const gatewayNotProgrammed = (gen: number, detail: string): Condition =>
  cond('Programmed', false, 'Invalid', `Gateway is not programmed: ${detail}`, gen);

/** An address in spec.addresses cannot be bound on this host (EADDRNOTAVAIL). */
export const gatewayAddressNotUsable = (gen: number, detail: string): Condition =>
  cond('Programmed', false, 'AddressNotUsable',
    `${detail}; use an address of this host in spec.addresses or remove it`, gen);

/** The Gateway needed an address from the pool and got none; it was not applied. */
export const gatewayAddressNotAssigned = (gen: number, detail: string): Condition =>
  cond('Programmed', false, 'AddressNotAssigned', `no address could be assigned: ${detail}`, gen);

/** spec.infrastructure.parametersRef names something missing or unusable. */
export const gatewayInvalidParameters = (gen: number, detail: string): Condition =>
  cond('Accepted', false, 'InvalidParameters', `Gateway is not accepted: ${detail}`, gen);

/** spec.tls.frontend lets some port accept clients without a valid certificate (AllowInsecureFallback). */
export const gatewayInsecureFrontendValidation = (gen: number, detail: string): Condition =>
  cond('InsecureFrontendValidationMode', true, 'ConfigurationChanged',
    `${detail} uses validation mode AllowInsecureFallback: clients without a valid certificate are accepted; set mode AllowValidOnly to require one`, gen);

export const gatewayPending = (gen: number, detail: string): Condition =>
  cond('Programmed', false, 'Pending', `Gateway is not programmed yet: ${detail}`, gen);

// ---- Listener

export const listenerAccepted = (gen: number): Condition =>
  cond('Accepted', true, 'Accepted', 'Listener is accepted', gen);

export const listenerUnsupportedProtocol = (gen: number, protocol: string): Condition =>
  cond('Accepted', false, 'UnsupportedProtocol',
    `protocol ${JSON.stringify(protocol)} is not supported yet; use HTTP`, gen);

/** The spec lists no Accepted reason for conflicts; the Conflicted reason is the most telling one. */
export const listenerNotAcceptedConflicted = (gen: number, reason: 'HostnameConflict' | 'ProtocolConflict'): Condition =>
  cond('Accepted', false, reason, 'Listener is not accepted because it conflicts with another listener; see the Conflicted condition', gen);

export const listenerProgrammed = (gen: number, detail = 'Listener configuration is generated for the data plane'): Condition =>
  cond('Programmed', true, 'Programmed', detail, gen);

/** Invalid: the listener's config or its bind failed; Pending: it waits for something else (e.g. an address). */
export const listenerNotProgrammed = (gen: number, reason: 'Invalid' | 'Pending', detail: string): Condition =>
  cond('Programmed', false, reason,
    reason === 'Pending' ? `Listener is not programmed yet: ${detail}` : `Listener is not programmed: ${detail}`, gen);

/** A conflicted listener is not programmed for the same reason it is not accepted (the ListenerSet tests check both). */
export const listenerNotProgrammedConflicted = (gen: number, reason: 'HostnameConflict' | 'ProtocolConflict'): Condition =>
  cond('Programmed', false, reason, 'Listener is not programmed because it conflicts with another listener; see the Conflicted condition', gen);

export const listenerPortUnavailable = (gen: number, detail: string): Condition =>
  cond('Accepted', false, 'PortUnavailable', `${detail}; free the port or choose another one`, gen);

export const listenerResolvedRefs = (gen: number): Condition =>
  cond('ResolvedRefs', true, 'ResolvedRefs', 'All references are resolved', gen);

export const listenerInvalidRouteKinds = (gen: number, kinds: string[]): Condition =>
  cond('ResolvedRefs', false, 'InvalidRouteKinds',
    `allowedRoutes.kinds lists unsupported kinds ${kinds.join(', ')}; this listener supports gateway.networking.k8s.io/HTTPRoute`, gen);

/** As listenerInvalidRouteKinds, naming the kinds this listener's protocol does support. */
export const listenerInvalidRouteKindsOf = (gen: number, kinds: string[], supported: readonly string[]): Condition =>
  cond('ResolvedRefs', false, 'InvalidRouteKinds',
    `allowedRoutes.kinds lists unsupported kinds ${kinds.join(', ')}; this listener supports ${supported.map((k) => `gateway.networking.k8s.io/${k}`).join(', ') || 'no route kind'}`, gen);

/** A protocol Portico does not serve at all (HTTP, HTTPS, TLS, TCP and UDP are served). */
export const listenerUnsupportedProtocolOf = (gen: number, protocol: string): Condition =>
  cond('Accepted', false, 'UnsupportedProtocol',
    `protocol ${JSON.stringify(protocol)} is not supported; use HTTP, HTTPS, TLS (passthrough), TCP or UDP`, gen);

/** A certificateRef that is allowed but missing, of the wrong kind, or whose Secret does not hold a usable pair. */
export const listenerInvalidCertificateRef = (gen: number, detail: string): Condition =>
  cond('ResolvedRefs', false, 'InvalidCertificateRef', detail, gen);

/** A certificateRef to another namespace without a ReferenceGrant there allowing it. */
export const listenerRefNotPermitted = (gen: number, detail: string): Condition =>
  cond('ResolvedRefs', false, 'RefNotPermitted', detail, gen);

/** A field value the listener's protocol cannot use (e.g. tls.mode Passthrough on HTTPS). */
export const listenerUnsupportedValue = (gen: number, detail: string): Condition =>
  cond('Accepted', false, 'UnsupportedValue', detail, gen);

/** A caCertificateRef of spec.tls.frontend that is missing or holds no usable CA certificate. */
export const listenerInvalidCACertificateRef = (gen: number, detail: string): Condition =>
  cond('ResolvedRefs', false, 'InvalidCACertificateRef', detail, gen);

/** A caCertificateRef of spec.tls.frontend to a kind Portico cannot read CA certificates from. */
export const listenerInvalidCACertificateKind = (gen: number, detail: string): Condition =>
  cond('ResolvedRefs', false, 'InvalidCACertificateKind', detail, gen);

/** Not one caCertificateRef of the listener's frontend validation resolved: clients could not be validated. */
export const listenerNoValidCACertificate = (gen: number, detail: string): Condition =>
  cond('Accepted', false, 'NoValidCACertificate',
    `${detail}; the listener is not served until at least one CA certificate reference resolves`, gen);

export const listenerNoConflicts = (gen: number): Condition =>
  cond('Conflicted', false, 'NoConflicts', 'Listener does not conflict with another listener', gen);

export const listenerProtocolConflict = (gen: number, port: number, others: string[]): Condition =>
  cond('Conflicted', true, 'ProtocolConflict',
    `port ${port} is also used with another protocol by listener(s) ${others.join(', ')}; use one protocol per port`, gen);

export const listenerHostnameConflict = (gen: number, port: number, hostname: string | undefined, others: string[]): Condition =>
  cond('Conflicted', true, 'HostnameConflict',
    `listener(s) ${others.join(', ')} also use port ${port} with ${hostname ? `hostname ${hostname}` : 'no hostname'}; give each listener on a port a distinct hostname`, gen);

// ---- ListenerSet

export const listenerSetAccepted = (gen: number): Condition =>
  cond('Accepted', true, 'Accepted', 'ListenerSet is accepted; every listener is valid', gen);

/** The parent Gateway's spec.allowedListeners does not let this ListenerSet in; `detail` says why and what to change. */
export const listenerSetNotAllowed = (gen: number, type: 'Accepted' | 'Programmed', detail: string): Condition =>
  cond(type, false, 'NotAllowed', `ListenerSet is not attached: ${detail}`, gen);

export const listenerSetParentNotAccepted = (gen: number, gateway: string): Condition =>
  cond('Accepted', false, 'ParentNotAccepted', `parent Gateway ${gateway} is not accepted; fix it (see its Accepted condition)`, gen);

export const listenerSetParentNotProgrammed = (gen: number, gateway: string): Condition =>
  cond('Programmed', false, 'ParentNotProgrammed', `parent Gateway ${gateway} is not accepted, so no listener of this ListenerSet is programmed`, gen);

/** Accepted with some listeners invalid (ok = true), or rejected because none is valid (ok = false). */
export const listenerSetListenersNotValid = (gen: number, ok: boolean, detail: string): Condition =>
  cond('Accepted', ok, 'ListenersNotValid',
    ok ? `ListenerSet is accepted, but some listeners are not valid: ${detail}; fix them to serve their routes`
       : `ListenerSet has no valid listener: ${detail}; fix at least one listener`, gen);

export const listenerSetProgrammed = (gen: number): Condition =>
  cond('Programmed', true, 'Programmed', 'ListenerSet listeners are generated for the parent Gateway\'s data plane', gen);

export const listenerSetNotProgrammed = (gen: number, detail: string): Condition =>
  cond('Programmed', false, 'ListenersNotValid', `ListenerSet is not programmed: no valid listener (${detail})`, gen);

// ---- Route (per parent)

export const routeAccepted = (gen: number): Condition =>
  cond('Accepted', true, 'Accepted', 'Route is accepted', gen);

export const routeNotAllowedByListeners = (gen: number, detail: string,
  fix = "change the listener's allowedRoutes or point parentRefs at a listener that allows this route"): Condition =>
  cond('Accepted', false, 'NotAllowedByListeners', `${detail}; ${fix}`, gen);

export const routeNoMatchingListenerHostname = (gen: number, detail: string): Condition =>
  cond('Accepted', false, 'NoMatchingListenerHostname',
    `${detail}; make spec.hostnames intersect a listener hostname`, gen);

export const routeNoMatchingParent = (gen: number, detail: string): Condition =>
  cond('Accepted', false, 'NoMatchingParent',
    `${detail}; fix sectionName/port in parentRefs to name an existing listener`, gen);

export const routeUnsupportedValue = (gen: number, detail: string): Condition =>
  cond('Accepted', false, 'UnsupportedValue', `${detail}`, gen);

/** Some rules were dropped; the route stays Accepted with the rest (spec: PartiallyInvalid, reason UnsupportedValue). */
export const routePartiallyInvalid = (gen: number, detail: string): Condition =>
  cond('PartiallyInvalid', true, 'UnsupportedValue', `${detail}; fix these rules to serve them`, gen);

export const routeResolvedRefs = (gen: number): Condition =>
  cond('ResolvedRefs', true, 'ResolvedRefs', 'All backend references are resolved', gen);

export const routeRefNotPermitted = (gen: number, detail: string): Condition =>
  cond('ResolvedRefs', false, 'RefNotPermitted', detail, gen);

export const routeInvalidKind = (gen: number, detail: string): Condition =>
  cond('ResolvedRefs', false, 'InvalidKind', detail, gen);

export const routeBackendNotFound = (gen: number, detail: string): Condition =>
  cond('ResolvedRefs', false, 'BackendNotFound', detail, gen);

// ---- Gateway spec.tls.backend

export const gatewayResolvedRefs = (gen: number): Condition =>
  cond('ResolvedRefs', true, 'ResolvedRefs', 'every reference of the Gateway resolves', gen);

export const gatewayInvalidClientCertificateRef = (gen: number, detail: string): Condition =>
  cond('ResolvedRefs', false, 'InvalidClientCertificateRef', `${detail}; TLS backends get no client certificate until it is fixed`, gen);

export const gatewayRefNotPermitted = (gen: number, detail: string): Condition =>
  cond('ResolvedRefs', false, 'RefNotPermitted', `${detail}; TLS backends get no client certificate until it is fixed`, gen);

// ---- BackendTLSPolicy (per ancestor Gateway)

export const policyAccepted = (gen: number): Condition =>
  cond('Accepted', true, 'Accepted', 'BackendTLSPolicy is accepted', gen);

export const policyConflicted = (gen: number, winner: string): Condition =>
  cond('Accepted', false, 'Conflicted',
    `BackendTLSPolicy ${winner} targets the same Service port and takes precedence (older, or first by namespace/name); target another port with sectionName or remove one of them`, gen);

export const policyNoValidCACertificate = (gen: number, detail: string): Condition =>
  cond('Accepted', false, 'NoValidCACertificate', `no caCertificateRef is usable: ${detail}; requests to the targeted backend answer 502`, gen);

export const policyInvalid = (gen: number, detail: string): Condition =>
  cond('Accepted', false, 'Invalid', detail, gen);

export const policyResolvedRefs = (gen: number): Condition =>
  cond('ResolvedRefs', true, 'ResolvedRefs', 'the trust anchors of spec.validation resolve (caCertificateRefs to PEM CA certificates, or the system roots)', gen);

export const policyRefProblem = (gen: number, reason: 'InvalidCACertificateRef' | 'InvalidKind', detail: string): Condition =>
  cond('ResolvedRefs', false, reason, detail, gen);
