import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { V1ConfigMap, V1Pod, V1Secret } from '@kubernetes/client-node';
import { containerEnv, isPlayable, podFingerprint, podFromSpec, serverKind, type VolumeSources } from '../../conformance/pods/pod-spec.ts';

type Deployment = { metadata: { name: string; namespace: string }; spec: { template: { metadata?: { labels?: Record<string, string> }; spec: V1Pod['spec'] } } };

function deployments(text: string): Deployment[] {
  return parseAllDocuments(text).map((d) => d.toJS() as Deployment & { kind?: string }).filter((d) => d?.kind === 'Deployment');
}

/** The pod a ReplicaSet would make of a Deployment, as kwok leaves it: Running with an IP. */
function podOf(d: Deployment, ip = '10.244.0.7', suffix = '7c9d-abcde'): V1Pod {
  return {
    metadata: { name: `${d.metadata.name}-${suffix}`, namespace: d.metadata.namespace, uid: `uid-${d.metadata.name}`, labels: d.spec.template.metadata?.labels },
    spec: d.spec.template.spec,
    status: { podIP: ip, phase: 'Running' },
  };
}

const fixture = deployments(readFileSync(new URL('./fixtures/deployments.yaml', import.meta.url), 'utf8'));
const byName = (name: string) => fixture.find((d) => d.metadata.name === name)!;

function sources(secrets: V1Secret[] = [], configMaps: V1ConfigMap[] = []): VolumeSources {
  return {
    secret: (ns, name) => secrets.find((s) => s.metadata?.namespace === ns && s.metadata?.name === name),
    configMap: (ns, name) => configMaps.find((c) => c.metadata?.namespace === ns && c.metadata?.name === name),
  };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('infra-backend-v1: identity, image, container and fieldRef env', () => {
  const pod = podFromSpec(podOf(byName('infra-backend-v1')), sources(), () => {});
  assert.equal(pod.name, 'infra-backend-v1-7c9d-abcde');
  assert.equal(pod.namespace, 'gateway-conformance-infra');
  assert.equal(pod.ip, '10.244.0.7');
  assert.equal(pod.image, 'registry.k8s.io/gateway-api/echo-basic:v1.5.1');
  assert.equal(pod.container, 'infra-backend-v1');
  assert.deepEqual(pod.env, { POD_NAME: 'infra-backend-v1-7c9d-abcde', NAMESPACE: 'gateway-conformance-infra' });
  assert.equal(serverKind(pod), 'http');
});

test('tls backend: Secret and ConfigMap items resolve under their mount paths, read when asked', () => {
  const secrets: V1Secret[] = [];
  const configMaps: V1ConfigMap[] = [];
  const pod = podFromSpec(podOf(byName('tls-backend-with-client-cert-validation')), sources(secrets, configMaps), () => {});
  assert.equal(pod.env.TLS_SERVER_CERT, '/etc/secret-volume/crt');
  assert.equal(pod.env.TLS_SERVER_PRIVKEY, '/etc/secret-volume/key');
  assert.equal(pod.env.TLS_CLIENT_CACERTS, '/etc/configmap-volume/ca');
  assert.equal(pod.readFile('/etc/secret-volume/crt'), undefined, 'the Secret does not exist yet');

  // The suite creates the Secrets after the Deployments: the same Pod sees them once they exist.
  secrets.push({ metadata: { namespace: 'gateway-conformance-infra', name: 'tls-checks-certificate' }, data: { 'tls.crt': b64('CERT'), 'tls.key': b64('KEY') } });
  configMaps.push({ metadata: { namespace: 'gateway-conformance-infra', name: 'tls-checks-ca-certificate' }, data: { 'ca.crt': 'CA' } });
  assert.equal(pod.readFile('/etc/secret-volume/crt'), 'CERT');
  assert.equal(pod.readFile('/etc/secret-volume/key'), 'KEY');
  assert.equal(pod.readFile('/etc/configmap-volume/ca'), 'CA');
  assert.equal(pod.readFile('/etc/secret-volume/tls.crt'), undefined, 'with items only the listed paths exist');
  assert.equal(pod.readFile('/etc/configmap-volume/../secret-volume/crt'), 'CERT');
  assert.equal(pod.readFile('/etc/other/crt'), undefined);
});

test('volumes without items expose every key; other namespaces are not visible', () => {
  const d = byName('infra-backend-v1');
  const spec = structuredClone(d.spec.template.spec)!;
  spec.containers[0]!.volumeMounts = [{ name: 'v', mountPath: '/etc/v/' }, { name: 'c', mountPath: '/etc/c/ca.pem', subPath: 'ca.crt' }];
  spec.volumes = [{ name: 'v', secret: { secretName: 's' } }, { name: 'c', configMap: { name: 'cm' } }];
  const obj = podOf({ ...d, spec: { template: { spec } } });
  const src = sources(
    [{ metadata: { namespace: 'gateway-conformance-infra', name: 's' }, data: { 'tls.crt': b64('C'), 'tls.key': b64('K') } }, { metadata: { namespace: 'other', name: 's' }, data: { x: b64('no') } }],
    [{ metadata: { namespace: 'gateway-conformance-infra', name: 'cm' }, data: { 'ca.crt': 'CA' } }],
  );
  const pod = podFromSpec(obj, src, () => {});
  assert.equal(pod.readFile('/etc/v/tls.crt'), 'C');
  assert.equal(pod.readFile('/etc/v/tls.key'), 'K');
  assert.equal(pod.readFile('/etc/v/x'), undefined);
  assert.equal(pod.readFile('/etc/c/ca.pem'), 'CA');
});

test('server kind follows echo-basic mode selection, images first', () => {
  assert.equal(serverKind(podFromSpec(podOf(byName('tcp-backend')), sources(), () => {})), 'tcp');
  const udp = podFromSpec(podOf(byName('udp-backend-v1')), sources(), () => {});
  assert.equal(serverKind(udp), 'udp');
  assert.equal(udp.env.SERVICE_NAME, 'udp-backend-v1');
  assert.equal(udp.container, 'udp-backend');
  assert.equal(serverKind({ image: 'registry.k8s.io/coredns/coredns:v1.12.2', env: { TCP_ECHO_SERVER: '1' } }), 'dns');
  assert.equal(serverKind({ image: 'echo-basic', env: { GRPC_ECHO_SERVER: '1', TCP_ECHO_SERVER: '1' } }), 'grpc');
  assert.equal(serverKind({ image: 'gcr.io/istio-testing/echo-advanced:x', env: {} }), 'mesh');
  assert.equal(serverKind({ image: 'echo-basic', env: { TCP_ECHO_SERVER: '' } }), 'http', 'an empty value does not select a mode (Go: != "")');
});

test('env: status.podIP fieldRef, $(VAR) expansion, $$ escape', () => {
  const d = byName('infra-backend-v1');
  const spec = structuredClone(d.spec.template.spec)!;
  spec.containers[0]!.env = [
    { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    { name: 'URL', value: 'http://$(IP):3000/$$(IP)/$(NOPE)' },
  ];
  assert.deepEqual(containerEnv(podOf({ ...d, spec: { template: { spec } } }, '10.244.1.2')), { IP: '10.244.1.2', URL: 'http://10.244.1.2:3000/$(IP)/$(NOPE)' });
});

test('playable only with an IP and without deletionTimestamp; fingerprint tracks IP and image', () => {
  const obj = podOf(byName('infra-backend-v1'));
  assert.equal(isPlayable(obj), true);
  assert.equal(isPlayable({ ...obj, status: {} }), false);
  assert.equal(isPlayable({ ...obj, metadata: { ...obj.metadata, deletionTimestamp: new Date() } }), false);
  const moved = podOf(byName('infra-backend-v1'), '10.244.0.8');
  assert.notEqual(podFingerprint(obj), podFingerprint(moved));
  assert.equal(podFingerprint(obj), podFingerprint(structuredClone(obj)));
});

// Every Deployment of the suite, when its Go module is in the module cache (the conformance runner fetches it).
const suiteDir = join(homedir(), 'go/pkg/mod/sigs.k8s.io/gateway-api/conformance@v1.6.3');
test('every Deployment of the v1.6.3 suite becomes a Pod with POD_NAME and NAMESPACE', { skip: !existsSync(suiteDir) && 'suite module not in the Go module cache' }, () => {
  const files = [join(suiteDir, 'base/manifests.yaml'), ...readdirSync(join(suiteDir, 'tests')).filter((f) => f.endsWith('.yaml')).map((f) => join(suiteDir, 'tests', f))];
  const kinds = new Map<string, number>();
  for (const file of files) {
    for (const d of deployments(readFileSync(file, 'utf8'))) {
      const pod = podFromSpec(podOf(d), sources(), () => {});
      const kind = serverKind(pod);
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      if (kind !== 'mesh' && kind !== 'dns') {
        assert.equal(pod.env.POD_NAME, pod.name, `${file}: ${d.metadata.name}`);
        assert.equal(pod.env.NAMESPACE, d.metadata.namespace, `${file}: ${d.metadata.name}`);
      }
    }
  }
  for (const kind of ['http', 'tcp', 'udp', 'dns', 'grpc']) assert.ok(kinds.get(kind), `some Deployment plays ${kind}: ${JSON.stringify([...kinds])}`);
});
