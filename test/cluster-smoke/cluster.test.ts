// Smoke test of the real control plane in test/cluster: a Deployment and a Service applied with the
// kubectl built alongside get Running/Ready pods with IPs from the pod range, a ready EndpointSlice,
// and those IPs accept connections inside the namespace. Slow (a cold build takes tens of minutes;
// a warm start about a minute), so it lives apart from the unit tests.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startCluster, waitFor } from "../cluster/cluster.ts";
import type { Cluster } from "../cluster/cluster.ts";

const NS = "smoke";
const manifest = `
apiVersion: v1
kind: Namespace
metadata: {name: ${NS}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo, namespace: ${NS}}
spec:
  replicas: 2
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec:
      containers:
      - name: echo
        image: registry.k8s.io/pause:3.10  # never pulled: kwok only fakes the pod status
        ports: [{containerPort: 3000}]
---
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: ${NS}}
spec:
  selector: {app: echo}
  ports: [{name: http, port: 80, targetPort: 3000}]
`;

interface Pod {
  metadata: { name: string };
  status: { phase?: string; podIP?: string; conditions?: { type: string; status: string }[] };
}
interface Slice {
  addressType: string;
  endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[];
  ports?: { name?: string; port?: number }[];
}

const inPodRange = (ip: string) => /^10\.244\.\d{1,3}\.\d{1,3}$/.test(ip);

let cluster: Cluster;

before(async () => {
  cluster = await startCluster();
});

after(async () => {
  await cluster?.stop();
});

test("the namespace has only lo", async () => {
  const out = await new Promise<string>((resolve, reject) => {
    const p = cluster.spawnIn("ip", ["-o", "link", "show"], { stdio: ["ignore", "pipe", "inherit"] });
    let s = "";
    p.stdout!.on("data", (d: Buffer) => (s += d.toString()));
    p.on("error", reject);
    p.on("close", () => resolve(s));
  });
  const links = out.trim().split("\n").map((l) => l.split(":")[1]!.trim());
  assert.deepEqual(links, ["lo"]);
});

test("Gateway API CRDs (experimental channel) are installed", async () => {
  const crds = await cluster.kubectlJson<{ items: { metadata: { name: string } }[] }>(["get", "crd"]);
  const names = crds.items.map((c) => c.metadata.name);
  for (const n of ["gatewayclasses", "gateways", "httproutes", "grpcroutes", "referencegrants", "tlsroutes", "tcproutes", "udproutes", "listenersets"]) {
    assert.ok(names.includes(`${n}.gateway.networking.k8s.io`), `missing CRD ${n}; have ${names.join(", ")}`);
  }
});

test("Gateway API objects pass the CRDs' validation (CEL rules run on this apiserver)", async () => {
  const gw = `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: smoke}
spec: {controllerName: example.com/smoke}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: smoke, namespace: default}
spec:
  gatewayClassName: smoke
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: smoke, namespace: default}
spec:
  parentRefs: [{name: smoke}]
  rules: [{matches: [{path: {type: PathPrefix, value: /}}], backendRefs: [{name: echo, port: 80}]}]
`;
  await cluster.kubectlRun(["apply", "-f", "-"], gw);
  const route = await cluster.kubectlJson<{ spec: { rules: { matches: unknown[] }[] } }>(["-n", "default", "get", "httproute", "smoke"]);
  assert.equal(route.spec.rules.length, 1);
  // A rule the CRD's CEL validation must reject: a listener hostname on a TCP listener.
  const bad = gw.replace("{name: http, port: 80, protocol: HTTP}", "{name: tcp, port: 80, protocol: TCP, hostname: a.example}");
  await assert.rejects(cluster.kubectlRun(["apply", "-f", "-"], bad), /hostname/i);
  await cluster.kubectlRun(["delete", "-n", "default", "httproute/smoke", "gateway/smoke"]);
  await cluster.kubectlRun(["delete", "gatewayclass/smoke"]);
});

test("a Deployment gets Running/Ready pods with pod IPs and a ready EndpointSlice", async () => {
  await cluster.kubectlRun(["apply", "-f", "-"], manifest);
  await cluster.kubectlRun(["-n", NS, "rollout", "status", "deployment/echo", "--timeout=180s"]);

  const pods = await cluster.kubectlJson<{ items: Pod[] }>(["-n", NS, "get", "pods", "-l", "app=echo"]);
  assert.equal(pods.items.length, 2);
  for (const p of pods.items) {
    assert.equal(p.status.phase, "Running", `pod ${p.metadata.name}`);
    assert.equal(p.status.conditions?.find((c) => c.type === "Ready")?.status, "True", `pod ${p.metadata.name} Ready`);
    assert.ok(p.status.podIP && inPodRange(p.status.podIP), `pod ${p.metadata.name} IP ${p.status.podIP}`);
  }
  const podIPs = pods.items.map((p) => p.status.podIP!).sort();

  const ready = await waitFor("a ready EndpointSlice for Service smoke/echo", 120, async () => {
    const slices = await cluster.kubectlJson<{ items: Slice[] }>(
      ["-n", NS, "get", "endpointslices", "-l", "kubernetes.io/service-name=echo"]);
    const ips = slices.items.filter((s) => s.addressType === "IPv4")
      .flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready === true).flatMap((e) => e.addresses).sort();
    return ips.length === podIPs.length ? { ips, slices: slices.items } : undefined;
  });
  assert.deepEqual(ready.ips, podIPs);
  assert.equal(ready.slices[0]!.ports?.[0]?.port, 3000);
});

test("pod IPs accept connections inside the namespace", async () => {
  const pods = await cluster.kubectlJson<{ items: Pod[] }>(["-n", NS, "get", "pods", "-l", "app=echo"]);
  const ip = pods.items[0]?.status.podIP;
  assert.ok(ip && inPodRange(ip), `no pod IP to try (${ip})`);
  // A server bound to the pod IP and a client connecting to it, both in the namespace: the pod
  // range is an AnyIP-local route on lo there, so this never leaves the machine.
  const program = `
    const net = require("node:net");
    const srv = net.createServer((s) => s.end("hello from " + s.localAddress));
    srv.listen(0, ${JSON.stringify(ip)}, () => {
      const c = net.connect(srv.address().port, ${JSON.stringify(ip)});
      let got = "";
      c.on("data", (d) => (got += d));
      c.on("end", () => { console.log(got); srv.close(); });
      c.on("error", (e) => { console.error(e.message); process.exit(1); });
    });`;
  const out = await new Promise<string>((resolve, reject) => {
    const p = cluster.spawnIn(process.execPath, ["-e", program], { stdio: ["ignore", "pipe", "pipe"] });
    let s = "";
    let e = "";
    p.stdout!.on("data", (d: Buffer) => (s += d.toString()));
    p.stderr!.on("data", (d: Buffer) => (e += d.toString()));
    p.on("error", reject);
    p.on("close", (code) => (code === 0 ? resolve(s.trim()) : reject(new Error(`exit ${code}: ${e}`))));
  });
  assert.equal(out, `hello from ${ip}`);
});

test("deleting the namespace removes its pods (namespace controller + kwok pod-delete)", async () => {
  await cluster.kubectlRun(["delete", "namespace", NS, "--wait=true", "--timeout=180s"]);
  const left = await cluster.kubectlJson<{ items: Pod[] }>(["get", "pods", "-A", "-l", "app=echo"]);
  assert.equal(left.items.length, 0);
});
