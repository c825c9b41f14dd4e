// Test helper around cluster.sh: brings the real control plane up for a test file and down after it.
// Everything that talks to the cluster (kubectl, the controller, echo servers) must run inside the
// cluster's network namespace, via `run` / `spawnIn`; its addresses do not exist outside it.
import { execFile, spawn } from "node:child_process";
import type { ChildProcess, SpawnOptions } from "node:child_process";
import { fileURLToPath } from "node:url";

export const clusterScript = fileURLToPath(new URL("./cluster.sh", import.meta.url));

export interface ClusterEnv {
  kubeconfig: string;
  netns: string;
  /** argv prefix that runs a program inside the namespace, e.g. ["ip", "netns", "exec", "portico-test"] */
  run: string[];
  kubectl: string;
}

export interface Cluster extends ClusterEnv {
  name: string;
  /** runs kubectl inside the namespace; resolves to stdout, rejects with stderr in the message */
  kubectlRun(args: string[], input?: string): Promise<string>;
  kubectlJson<T = unknown>(args: string[]): Promise<T>;
  /** spawns a program inside the namespace */
  spawnIn(command: string, args: string[], options?: SpawnOptions): ChildProcess;
  /** releases this process's hold; the cluster goes down when no other holder is left */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** cluster (and netns) name; default $PORTICO_CLUSTER or "portico-test" */
  name?: string;
}

/** Parses the KEY=VALUE lines that `cluster.sh up` / `env` print. */
export function parseClusterEnv(text: string): ClusterEnv {
  const vars = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^(KUBECONFIG|NETNS|RUN|KUBECTL)=(.*)$/.exec(line.trim());
    if (m) vars.set(m[1]!, m[2]!);
  }
  const need = (k: string): string => {
    const v = vars.get(k);
    if (v === undefined) {
      throw new Error(`cluster.sh output has no ${k}= line; got:\n${text}\nRun 'bash ${clusterScript} up' by hand to see why.`);
    }
    return v;
  };
  const run = need("RUN").split(" ").filter((s) => s !== "");
  return { kubeconfig: need("KUBECONFIG"), netns: need("NETNS"), run, kubectl: need("KUBECTL") };
}

interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(file: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function script(name: string, args: string[], user?: string): Promise<ExecResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORTICO_CLUSTER: name };
  if (user === undefined) delete env.PORTICO_CLUSTER_USER;
  else env.PORTICO_CLUSTER_USER = user;
  return exec("bash", [clusterScript, ...args], env);
}

/**
 * Brings the cluster up, or joins a running one, and returns handles to use it. Test files running in
 * parallel share the cluster: each holds it under its PID and the last stop() takes it down. A cluster
 * brought up by hand (`npm run cluster -- up`) stays up; so does one started with PORTICO_CLUSTER_KEEP=1.
 */
export async function startCluster(options: StartOptions = {}): Promise<Cluster> {
  const name = options.name ?? process.env.PORTICO_CLUSTER ?? "portico-test";
  const keep = process.env.PORTICO_CLUSTER_KEEP === "1";
  const res = await script(name, ["up"], keep ? undefined : String(process.pid));
  if (res.code !== 0) {
    // A failed start leaves a broken cluster nobody can use; the tails of its logs are in res.stderr.
    let cleanup = "left as it is (PORTICO_CLUSTER_KEEP=1); logs in /tmp/portico-cluster/" + name + "/log/";
    if (!keep) {
      const down = await script(name, ["down"]);
      cleanup = down.code === 0 ? "torn down" : `NOT torn down (cluster.sh down: ${down.stderr.trim()})`;
    }
    throw new Error(`cluster.sh up failed (exit ${res.code}) for cluster '${name}', ${cleanup}:\n${res.stderr}\n` +
      `Reproduce with 'PORTICO_CLUSTER=${name} bash ${clusterScript} up'.`);
  }
  const env = parseClusterEnv(res.stdout);
  // An empty RUN means this process is already inside the namespace.
  const inside = (command: string, args: string[]): [string, string[]] =>
    env.run.length === 0 ? [command, args] : [env.run[0]!, [...env.run.slice(1), command, ...args]];

  const kubectlRun = async (args: string[], input?: string): Promise<string> => {
    const [file, full] = inside(env.kubectl, ["--kubeconfig", env.kubeconfig, ...args]);
    const r = await exec(file, full, process.env, input);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (exit ${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
  };

  return {
    ...env,
    name,
    kubectlRun,
    kubectlJson: async <T>(args: string[]) => JSON.parse(await kubectlRun([...args, "-o", "json"])) as T,
    spawnIn: (command, args, opts = {}) => {
      const [file, full] = inside(command, args);
      return spawn(file, full, opts);
    },
    async stop() {
      if (keep) return;
      const r = await script(name, ["release", String(process.pid)]);
      if (r.code !== 0) throw new Error(`cluster.sh release failed (exit ${r.code}) for '${name}':\n${r.stderr}`);
    },
  };
}

/** Polls `check` once a second until it returns a value other than undefined, or fails after `seconds`. */
export async function waitFor<T>(what: string, seconds: number, check: () => Promise<T | undefined>): Promise<T> {
  let last: unknown;
  for (let i = 0; i < seconds; i++) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`timed out after ${seconds}s waiting for ${what}${last ? `; last error: ${String(last)}` : ""}`);
}
