// How the controller finds the API server: kubeconfigs of certificates and tokens, and a pod's ServiceAccount, read
// by Portico; what only @kubernetes/client-node handles (exec plugins, several KUBECONFIG files) handed to it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type https from 'node:https';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, test } from 'node:test';
import { loadKubeAccess } from '../../src/sources/kube-access.ts';

const dir = mkdtempSync(join(tmpdir(), 'portico-kube-access-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const b64 = (s: string) => Buffer.from(s).toString('base64');
const none = { env: {}, home: join(dir, 'nohome'), serviceAccountDir: join(dir, 'nosa') };

function kubeconfig(name: string, cluster: object, user: object, extra = ''): string {
  const path = join(dir, name);
  writeFileSync(path, `apiVersion: v1
kind: Config
current-context: ctx
contexts: [{name: ctx, context: {cluster: c, user: u, namespace: team-a}}, {name: other, context: {cluster: c, user: u}}]
clusters: [{name: c, cluster: ${JSON.stringify(cluster)}}]
users: [{name: u, user: ${JSON.stringify(user)}}]
${extra}`);
  return path;
}

async function applied(access: { apply(o: https.RequestOptions): Promise<void> }): Promise<https.RequestOptions> {
  const opts: https.RequestOptions = { headers: { accept: 'application/json' } };
  await access.apply(opts);
  return opts;
}

test('certificates inline: server, namespace, CA, client certificate and key', async () => {
  const path = kubeconfig('inline', { server: 'https://127.0.0.1:6443/', 'certificate-authority-data': b64('CA') },
    { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') });
  const a = await loadKubeAccess(path, none);
  assert.equal(a.server, 'https://127.0.0.1:6443');
  assert.equal(a.namespace, 'team-a');
  assert.equal(a.proxied, false);
  assert.equal(a.from, path);
  const o = await applied(a);
  assert.deepEqual([String(o.ca), String(o.cert), String(o.key), o.rejectUnauthorized], ['CA', 'CERT', 'KEY', true]);
  assert.equal((o.headers as Record<string, string>).authorization, undefined);
});

test('files relative to the kubeconfig, a token file and tls-server-name; insecure-skip-tls-verify', async () => {
  mkdirSync(join(dir, 'rel'), { recursive: true });
  writeFileSync(join(dir, 'rel', 'ca.crt'), 'CAFILE');
  writeFileSync(join(dir, 'rel', 'token'), 'sekret\n');
  const path = kubeconfig('rel/config', { server: 'https://10.0.0.1:443', 'certificate-authority': 'ca.crt', 'tls-server-name': 'kubernetes' }, { tokenFile: 'token' });
  const o = await applied(await loadKubeAccess(path, none));
  assert.equal(String(o.ca), 'CAFILE');
  assert.equal(o.rejectUnauthorized, true);
  assert.equal(o.servername, 'kubernetes');
  assert.equal((o.headers as Record<string, string>).authorization, 'Bearer sekret');
  assert.equal((o.headers as Record<string, string>).accept, 'application/json', 'other headers kept');
  const insecure = kubeconfig('insecure', { server: 'https://10.0.0.1:443', 'insecure-skip-tls-verify': true }, {});
  assert.equal((await applied(await loadKubeAccess(insecure, none))).rejectUnauthorized, false);
});

test('token, certificate and CA files are read again as they rotate; a moment without the file keeps the last', async () => {
  const rot = join(dir, 'rot');
  mkdirSync(rot, { recursive: true });
  for (const [f, v] of [['ca.crt', 'CA1'], ['tls.crt', 'CERT1'], ['tls.key', 'KEY1'], ['token', 'T1']]) writeFileSync(join(rot, f!), v!);
  const path = kubeconfig('rot/config', { server: 'https://x', 'certificate-authority': 'ca.crt' }, { 'client-certificate': 'tls.crt', 'client-key': 'tls.key', tokenFile: 'token' });
  const a = await loadKubeAccess(path, { ...none, rereadMs: 0 });
  const seen = async () => {
    const o = await applied(a);
    return [String(o.ca), String(o.cert), String(o.key), (o.headers as Record<string, string>).authorization];
  };
  assert.deepEqual(await seen(), ['CA1', 'CERT1', 'KEY1', 'Bearer T1']);
  for (const [f, v] of [['ca.crt', 'CA2'], ['tls.crt', 'CERT2'], ['tls.key', 'KEY2'], ['token', 'T2']]) writeFileSync(join(rot, f!), v!);
  assert.deepEqual(await seen(), ['CA2', 'CERT2', 'KEY2', 'Bearer T2']);
  rmSync(join(rot, 'token'));
  assert.deepEqual(await seen(), ['CA2', 'CERT2', 'KEY2', 'Bearer T2']);
});

test('$KUBECONFIG is used when no path is given; ~/.kube/config after it', async () => {
  const path = kubeconfig('env', { server: 'https://env.example:6443' }, { token: 't' });
  assert.equal((await loadKubeAccess(null, { ...none, env: { KUBECONFIG: path } })).server, 'https://env.example:6443');
  mkdirSync(join(dir, 'home', '.kube'), { recursive: true });
  writeFileSync(join(dir, 'home', '.kube', 'config'), `current-context: h
contexts: [{name: h, context: {cluster: c}}]
clusters: [{name: c, cluster: {server: 'https://home.example'}}]
`);
  const home = await loadKubeAccess(null, { ...none, home: join(dir, 'home') });
  assert.equal(home.server, 'https://home.example');
  assert.equal(home.namespace, undefined);
});

test('in a pod: the ServiceAccount token, CA and namespace, the server from the environment (IPv6 in brackets)', async () => {
  const sa = join(dir, 'sa');
  mkdirSync(sa, { recursive: true });
  writeFileSync(join(sa, 'token'), 'pod-token');
  writeFileSync(join(sa, 'ca.crt'), 'CLUSTERCA');
  writeFileSync(join(sa, 'namespace'), 'portico-system\n');
  const a = await loadKubeAccess(null, { ...none, serviceAccountDir: sa, env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' } });
  assert.equal(a.server, 'https://[fd00::1]:443');
  assert.equal(a.namespace, 'portico-system');
  const o = await applied(a);
  assert.equal(String(o.ca), 'CLUSTERCA');
  assert.equal((o.headers as Record<string, string>).authorization, 'Bearer pod-token');
});

test('exec plugins and basic auth go to @kubernetes/client-node, relative paths made absolute first', async () => {
  const exec = kubeconfig('exec', { server: 'https://exec.example' }, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'true' } });
  const a = await loadKubeAccess(exec, none);
  assert.match(a.from, /read by @kubernetes\/client-node/);
  assert.equal(a.server, 'https://exec.example');
  assert.equal(a.namespace, 'team-a');
  const basic = kubeconfig('basic', { server: 'https://basic.example', 'certificate-authority': 'rel/ca.crt' }, { username: 'me', password: 'pw' });
  const o = await applied(await loadKubeAccess(basic, none));
  assert.equal(String(o.ca), 'CAFILE', 'rel/ca.crt beside the kubeconfig, not in the working folder');
  assert.equal(o.auth, 'me:pw');
});

test('several KUBECONFIG files merge as kubectl merges them: first current-context, first of each name, missing files skipped', async () => {
  const one = join(dir, 'one');
  writeFileSync(one, `clusters: [{name: c, cluster: {server: 'https://first.example'}}]
users: [{name: u, user: {token: first}}]
`);
  const two = join(dir, 'two');
  writeFileSync(two, `current-context: ctx
contexts: [{name: ctx, context: {cluster: c, user: u, namespace: from-two}}]
clusters: [{name: c, cluster: {server: 'https://second.example'}}]
users: [{name: u, user: {token: second}}]
`);
  const three = join(dir, 'three');
  writeFileSync(three, 'current-context: other\ncontexts: [{name: other, context: {cluster: c}}]\n');
  const a = await loadKubeAccess(null, { ...none, env: { KUBECONFIG: [join(dir, 'missing'), one, two, three].join(delimiter) } });
  assert.equal(a.server, 'https://first.example');
  assert.equal(a.namespace, 'from-two');
  assert.equal((((await applied(a)).headers) as Record<string, string>).authorization, 'Bearer first');
  assert.match(a.from, /KUBECONFIG files .*one, .*two, .*three$/);
});

test('mistakes say what is wrong and where', async () => {
  await assert.rejects(loadKubeAccess(null, { ...none, env: { KUBECONFIG: join(dir, 'gone') } }), /KUBECONFIG lists .*gone, and none of them exists/);
  await assert.rejects(loadKubeAccess(null, none), /no kubeconfig: not passed with --kubeconfig, KUBECONFIG unset, no .*config, and not in a pod/);
  await assert.rejects(loadKubeAccess(join(dir, 'absent'), none), /cannot read the kubeconfig .*absent \(ENOENT\); pass --kubeconfig PATH or set KUBECONFIG/);
  const noContext = join(dir, 'nocontext');
  writeFileSync(noContext, 'clusters: []\n');
  await assert.rejects(loadKubeAccess(noContext, none), /has no current-context; set one with kubectl config use-context NAME/);
  const badCluster = kubeconfig('badcluster', {}, {});
  await assert.rejects(loadKubeAccess(badCluster, none), /context "ctx" names cluster "c", which it does not define with a server/);
  const missingCa = kubeconfig('missingca', { server: 'https://x', 'certificate-authority': 'nope.crt' }, {});
  await assert.rejects(loadKubeAccess(missingCa, none), /cannot read the kubeconfig .*missingca: its certificate-authority .*nope\.crt \(ENOENT\)/);
  const both = kubeconfig('both', { server: 'https://x', 'insecure-skip-tls-verify': true, 'certificate-authority-data': b64('CA') }, {});
  await assert.rejects(loadKubeAccess(both, none), /cluster "c" sets both insecure-skip-tls-verify and a certificate authority; keep one/);
});
