// The one list of Gateway API features Portico claims: what the translator and data plane implement today.
// GatewayClass status publishes it; conformance runs only what it names. Add a name only with its tests.

export const SUPPORTED_FEATURES: readonly string[] = [
  'Gateway',
  'GatewayHTTPListenerIsolation',
  'GatewayPort8080',
  'HTTPRoute',
  'HTTPRoute303RedirectStatusCode',
  'HTTPRoute307RedirectStatusCode',
  'HTTPRoute308RedirectStatusCode',
  'HTTPRouteHostRewrite',
  'HTTPRouteMethodMatching',
  'HTTPRouteParentRefPort',
  'HTTPRoutePathRedirect',
  'HTTPRoutePathRewrite',
  'HTTPRoutePortRedirect',
  'HTTPRouteQueryParamMatching',
  'HTTPRouteResponseHeaderModification',
  'HTTPRouteSchemeRedirect',
  'ReferenceGrant',
];

/** The `status.supportedFeatures` value: sorted `{name}` entries. */
export function supportedFeatures(): { name: string }[] {
  return [...SUPPORTED_FEATURES].sort().map((name) => ({ name }));
}
