// Runs inside the cluster's network namespace (the API server's address exists only there): reads the cluster
// through KubernetesSource into a ResourceStore, exactly as the controller does, and prints the store's objects
// in scope as JSON on stdout. argv: KUBECONFIG, then a JSON { namespaces, clusterNames, expect } (see parity-helpers.ts).
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../../src/api/meta.ts';
import { objectId } from '../../src/api/snapshot.ts';
import { kubeClient } from '../../src/sources/kube-client.ts';
import { KubernetesSource } from '../../src/sources/kubernetes.ts';
import { ResourceStore } from '../../src/sources/store.ts';

type Scope = { namespaces: string[]; clusterNames: string[]; expect: string[] };

const [kubeconfig, scopeJson] = process.argv.slice(2);
const scope = JSON.parse(scopeJson!) as Scope;
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig!);
const store = new ResourceStore();
const source = new KubernetesSource({
  client: kubeClient(kc), store, onChange: () => {},
  log: { info: () => {}, warn: (m) => process.stderr.write(`${m}\n`) },
});

// The cluster is shared with other tests: only the objects of this case count.
const inScope = (o: KubeObject) => o.metadata.namespace === undefined
  ? scope.clusterNames.includes(`${o.kind}/${o.metadata.name}`)
  : scope.namespaces.includes(o.metadata.namespace);

await source.start();
// start() promises every kind listed once; record what the store lacked at that moment, for the report.
const missingAtStart = scope.expect.filter((id) => store.get(id) === undefined);
// Objects can still be on their way (a watch event after the list): wait for the expected ones, up to 30 s.
for (let i = 0; i < 300 && scope.expect.some((id) => store.get(id) === undefined); i++) await new Promise((r) => setTimeout(r, 100));
source.close();
const objects = store.objects().filter(inScope).sort((a, b) => (objectId(a) < objectId(b) ? -1 : 1));
process.stdout.write(JSON.stringify({ objects, missingAtStart, errors: source.errors() }), () => process.exit(0));
