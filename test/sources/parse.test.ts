// Shape checks run from parseManifests: a malformed object is a ManifestError at the line of the bad field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManifestError, parseManifests } from '../../src/sources/parse.ts';
import { snapshotOf } from '../../src/api/snapshot.ts';
import { translate } from '../../src/translate/index.ts';

const ROUTE = 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\n';
const GATEWAY = 'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw}\n';

function rejects(text: string, line: number, message: RegExp): void {
  assert.throws(() => parseManifests(text, 'x.yaml'), (e: unknown) => {
    assert.ok(e instanceof ManifestError, String(e));
    assert.equal(e.file, 'x.yaml');
    assert.equal(e.line, line, e.message);
    assert.match(e.message, message);
    return true;
  });
}

test('objects that used to make translate() throw are refused with file:line and the field', () => {
  rejects(`${ROUTE}`, 1, /HTTPRoute default\/r: spec is required/);
  rejects(`${ROUTE}spec:\n  rules: foo\n`, 5, /spec\.rules must be a list, got string "foo"/);
  rejects(`${ROUTE}spec:\n  hostnames: [5]\n`, 5, /spec\.hostnames\[0\] must be a string/);
  rejects(`${ROUTE}spec:\n  rules:\n  - matches:\n    - headers:\n      - {value: a}\n`, 8, /spec\.rules\[0\]\.matches\[0\]\.headers\[0\]\.name is required/);
  rejects(`${ROUTE}spec:\n  rules:\n  - matches:\n    - path: {type: Exact, value: 5}\n`, 7, /spec\.rules\[0\]\.matches\[0\]\.path\.value must be a string/);
  rejects(`${GATEWAY}spec:\n  gatewayClassName: c\n  listeners: {}\n`, 6, /spec\.listeners must be a list, got a mapping/);
  rejects('apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports: {a: 1}\n', 5, /spec\.ports must be a list/);
});

test('a non-numeric or out-of-range weight is refused, not dropped', () => {
  rejects(`${ROUTE}spec:\n  rules:\n  - backendRefs:\n    - name: a\n      port: 80\n      weight: heavy\n`, 9, /backendRefs\[0\]\.weight must be an integer from 0 to 1000000/);
  rejects(`${ROUTE}spec:\n  rules:\n  - backendRefs:\n    - {name: a, port: 80, weight: -1}\n`, 7, /weight must be an integer/);
});

test('listener names must be unique within a Gateway', () => {
  const text = `${GATEWAY}spec:\n  gatewayClassName: c\n  listeners:\n  - {name: http, port: 80, protocol: HTTP}\n  - {name: http, port: 81, protocol: HTTP}\n`;
  rejects(text, 8, /spec\.listeners\[1\]\.name "http" is used twice/);
});

test('label values and ports must have the right type', () => {
  rejects('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n  labels: {team: 5}\n', 5, /metadata\.labels\.team must be a string/);
  rejects(`${GATEWAY}spec:\n  gatewayClassName: c\n  listeners:\n  - {name: http, port: "80", protocol: HTTP}\n`, 7, /port must be a port number/);
});

test('the line is that of the bad field inside a List and after other documents', () => {
  const text = `${ROUTE}spec: {}\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: s}\n  spec:\n    ports:\n    - port: x\n`;
  rejects(text, 14, /Service default\/s: spec\.ports\[0\]\.port must be a port number/);
});

test('null optional fields are read as unset, as Kubernetes does', () => {
  const text = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  creationTimestamp: null\nspec:\n  selector: null\n  ports:\n  - {port: 80, targetPort: http}\n';
  const [p] = parseManifests(text, 'x.yaml');
  assert.equal('creationTimestamp' in p.object.metadata, false);
  assert.equal('selector' in (p.object as unknown as { spec: object }).spec, false);
});

test('every accepted object translates without throwing', () => {
  const text = `${ROUTE}spec:\n  parentRefs: [{name: gw}]\n  rules:\n  - matches: [{headers: [{name: x, value: y}]}]\n`;
  assert.doesNotThrow(() => translate(snapshotOf(parseManifests(text, 'x.yaml').map((p) => p.object))));
});
