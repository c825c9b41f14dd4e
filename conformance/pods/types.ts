// The contract between the pod watcher (which knows the cluster) and the protocol servers (which know
// nothing of Kubernetes): one pod as the conformance suite's echo images would see themselves.

export type PodIdentity = {
  namespace: string;
  name: string;
  /** The pod IP every socket of this pod binds to (never a wildcard: Gateways share the ports). */
  ip: string;
};

export type Pod = PodIdentity & {
  /** The first container's image, e.g. `registry.k8s.io/gateway-api/echo-basic:v1.5.1`. */
  image: string;
  /** The first container's name (the container the suite asks `pods/log` for). */
  container: string;
  /** Environment as the container would see it: literal values and resolved fieldRefs (POD_NAME, NAMESPACE). */
  env: Readonly<Record<string, string>>;
  /**
   * Reads a file the container would see at `path` through its Secret/ConfigMap volumes. Read at use time:
   * the suite creates TLS Secrets after the Deployments, so content may appear (or change) later.
   */
  readFile(path: string): string | undefined;
  /** Writes one stdout line to the pod's container log (the mirror tests read it through `pods/log`). */
  log(line: string): void;
};

/** A running server of one pod; closed when the pod goes away or its IP changes. */
export type PodServer = { close(): Promise<void> };
