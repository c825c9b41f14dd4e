// Unit test of the helper's parsing of `cluster.sh up` output; needs no cluster.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseClusterEnv } from "./cluster.ts";

test("parses the KEY=VALUE lines and ignores npm's banner and other lines", () => {
  const out = [
    "> portico@0.1.0 cluster",
    "> bash test/cluster/cluster.sh up",
    "",
    "KUBECONFIG=/tmp/portico-cluster/portico-test/kubeconfig",
    "NETNS=portico-test",
    "RUN=ip netns exec portico-test",
    "KUBECTL=/root/.cache/portico/k8s/x/bin/kubectl",
  ].join("\n");
  assert.deepEqual(parseClusterEnv(out), {
    kubeconfig: "/tmp/portico-cluster/portico-test/kubeconfig",
    netns: "portico-test",
    run: ["ip", "netns", "exec", "portico-test"],
    kubectl: "/root/.cache/portico/k8s/x/bin/kubectl",
  });
});

test("an empty NETNS= and RUN= are allowed (namespace entered another way)", () => {
  const env = parseClusterEnv("KUBECONFIG=/k\nNETNS=\nRUN=\nKUBECTL=/kubectl\n");
  assert.equal(env.netns, "");
  assert.deepEqual(env.run, []);
});

test("a missing line is an error that says which and what to do", () => {
  assert.throws(() => parseClusterEnv("KUBECONFIG=/k\nNETNS=n\nRUN=ip netns exec n\n"), /no KUBECTL= line.*\n[\s\S]*cluster\.sh up/);
});
