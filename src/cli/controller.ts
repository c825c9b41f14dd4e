// `portico controller`: Kubernetes source → debounce → translate → (host: addresses → data plane in this process |
// kubernetes: a proxy Deployment + Service per Gateway, created by the leader) → finalize → status written to the
// API server by the replica holding the Lease (every replica serves), with the same admin API as `portico run`,
// until SIGTERM or SIGINT.
import pino from 'pino';
import { createMetrics } from '../admin/metrics.ts';
import { CONTROLLER_NAME } from '../api/gateway.ts';
import { createDataPlane } from '../dataplane/index.ts';
import { AddressPool, assignAddresses, PoolError } from '../infra/host.ts';
import { KubernetesProvisioner, LOAD_BALANCER_RECHECK_MS } from '../infra/kubernetes.ts';
import { formatHostPort } from '../ir/net.ts';
import type { ProxyConfig } from '../ir/types.ts';
import { debounce } from '../sources/debounce.ts';
import { loadKubeAccess, type KubeAccess } from '../sources/kube-access.ts';
import { kubeClient, type KubeClient } from '../sources/kube-client.ts';
import { KubernetesSource } from '../sources/kubernetes.ts';
import { defaultIdentity, defaultLeaseNamespace, kubeLeaseClient, LeaderElector } from '../sources/leader.ts';
import { ResourceStore } from '../sources/store.ts';
import { finalize } from '../status/finalize.ts';
import { statusId, StatusStore } from '../status/store.ts';
import type { ObjectStatus, StatusSnapshot } from '../status/types.ts';
import { StatusWriter, type LiveObject, type StatusClient, type WriteReport } from '../status/writer.ts';
import { Translator } from '../translate/index.ts';
import type { ControllerArgs } from './controller-args.ts';
import { finalizeProvisioned, gatewaysOf, provisionPass, removableGateways, scopeSnapshot } from './controller-kubernetes.ts';
import { HostServicePublisher } from '../infra/host-service.ts';
import { ProxyChannel } from '../control/channel.ts';
import { OwnedObjectWatch } from '../infra/owned-watch.ts';
import { ConfigVersions } from './config-versions.ts';
import { contentVersion, DRAIN_GRACE_MS, startAdmin, untilStopSignal } from './lifecycle.ts';

/** A failed status write is tried again after this long even if nothing else changes. */
const STATUS_RETRY_MS = 5_000;

export async function controller(args: ControllerArgs): Promise<number> {
  const kubernetesInfra = args.infrastructure === 'kubernetes';
  const log = pino({ level: args.logLevel, base: undefined }, pino.destination({ dest: 2, sync: true }));
  let pool: AddressPool | null;
  let client: KubeClient;
  let access: KubeAccess;
  // Mistakes in the arguments first: they do not depend on finding a cluster.
  try {
    pool = args.addressPool ? new AddressPool(args.addressPool) : null;
  } catch (err) {
    if (err instanceof PoolError) return fail(err.message, 2);
    throw err;
  }
  if (kubernetesInfra && pool) return fail('--gateway-address-pool applies to --infrastructure host only; with kubernetes the Service gives each Gateway its address', 2);
  try {
    access = await loadKubeAccess(args.kubeconfig);
    client = kubeClient(access);
  } catch (err) {
    return fail(`cannot reach the API server: ${(err as Error).message}`, 2);
  }

  const metrics = createMetrics();
  // Kubernetes mode: endpoints on this host's loopback are refused (the data plane's default).
  const dataPlane = createDataPlane({ accessLog: null, metricsRegistry: metrics.registry, warn: (m: string) => log.warn(m) });
  const store = new ResourceStore();
  const statuses = new StatusStore();
  const translator = new Translator();
  const versions = new ConfigVersions();
  const hostServices = !kubernetesInfra && args.hostService ? new HostServicePublisher(client) : null;
  const hostServiceErrors = new Set<string>();
  const provisioner = kubernetesInfra ? new KubernetesProvisioner(client, { image: args.proxyImage, controllerAddress: args.proxyControllerAddress }) : null;
  // The proxies' config stream; their reports make Gateways Programmed, so a report triggers a pass.
  const channel = kubernetesInfra ? new ProxyChannel(client, access.namespace, {
    listen: args.proxyConfigListen, controllerAddress: args.proxyControllerAddress, leading: () => leading(),
    onChange: () => listed && rebuilds.trigger(), log,
  }) : null;
  const owned = provisioner ? new OwnedObjectWatch({
    client,
    onDrift: (gateway, why) => {
      log.warn({ gateway }, `${why}; applying the Gateway's proxy objects again`);
      provisioner.forgetGateway(gateway);
      if (listed) rebuilds.trigger();
    },
    onError: (message) => log.warn(message),
  }) : null;
  // Leadership gates writes to the cluster (status, proxy objects): translation and the data plane run on every replica.
  const elector = args.leaderElect
    ? new LeaderElector(kubeLeaseClient(client, args.leaseNamespace ?? defaultLeaseNamespace(access.namespace), args.leaseName), {
        identity: defaultIdentity(),
        log: { info: (m) => log.info(m), warn: (m) => log.warn(m) },
        // A new leader writes the whole status at once: the previous one may have missed changes.
        onStartedLeading: () => {
          confirmed.clear();
          provisioner?.forget();
          hostServices?.forget();
          if (listed) rebuilds.trigger();
        },
      })
    : null;
  const leading = () => elector?.isLeader() ?? true;
  const writer = new StatusWriter(statusClient(client, leading), { controllerName: CONTROLLER_NAME, warn: (m) => log.warn(m) });
  let live: ProxyConfig[] = [];
  const problems = new Map<string, string>();
  let ready = false;
  let retry: NodeJS.Timeout | undefined;

  const admin = await startAdmin(args.admin, {
    registry: metrics.registry,
    isReady: () => ready,
    status: () => statuses.items(),
    config: () => live,
  }, log);
  if ('error' in admin) {
    await dataPlane.close(0);
    return fail(admin.error, 1);
  }

  const rebuild = async () => {
    const snapshot = scopeSnapshot(store.snapshot(), args.gatewayClasses);
    const endTranslate = metrics.translateDuration.startTimer();
    const result = translator.translate(snapshot);
    endTranslate();
    if (provisioner) {
      const versioned = [...result.proxies.values()].map((c) => ({ ...c, version: contentVersion(c) }));
      live = versioned;
      channel?.publish(versioned);
      ready = true;
      metrics.sourceErrors.set(source.errors().length);
      // Only the leader touches the cluster: the same gate as status writes.
      const report = leading() ? await provisionPass(provisioner, snapshot, versioned) : null;
      for (const d of report?.deleted ?? []) log.info(`deleted ${d}: its Gateway is no longer served by Portico`);
      for (const [gateway, o] of report?.outcomes ?? []) {
        const said = o.state === 'provisioned' ? '' : o.message;
        // Passes are frequent; a problem is logged when it appears or changes, not on every pass.
        if (said && said !== problems.get(gateway)) log.error({ gateway }, `gateway ${gateway}: ${said}`);
        problems.set(gateway, said);
      }
      const status = statuses.update(finalizeProvisioned(result.status, report?.outcomes ?? null, channel?.proxiesOf));
      queueStatus(status, report?.retry === 'soon' ? STATUS_RETRY_MS : report?.retry === 'later' ? LOAD_BALANCER_RECHECK_MS : 0);
      return;
    }
    const { configs, unassigned } = assignAddresses(pool, [...result.proxies.values()]);
    // Host mode: versions only name configs to this process's own data plane, so a compare with the previous config
    // (cheap: unchanged parts are the same objects) replaces hashing all of it on every pass. Proxy pods (above) need
    // content versions, the same on every replica.
    const versioned = versions.assign(configs);
    const endApply = metrics.applyDuration.startTimer();
    const results = await dataPlane.apply(versioned);
    endApply();
    live = versioned;
    ready = true;
    metrics.sourceErrors.set(source.errors().length);
    for (const r of results) {
      for (const l of r.listeners) if (!l.bound) log.error(`gateway ${r.gateway} cannot listen on ${formatHostPort(l.address, l.port)} (${l.error ?? 'not bound'})`);
    }
    for (const [gateway, why] of unassigned) log.error({ gateway }, `gateway ${gateway} has no address: ${why}`);
    if (hostServices && leading()) {
      const report = await hostServices.sync(gatewaysOf(snapshot, versioned), removableGateways(snapshot));
      for (const d of report.deleted) log.info(`deleted ${d}: its Gateway is no longer served by Portico`);
      // Passes are frequent: an error is logged when it first appears, not on every pass.
      for (const e of report.errors) if (!hostServiceErrors.has(e)) log.warn(e);
      hostServiceErrors.clear();
      for (const e of report.errors) hostServiceErrors.add(e);
    }
    const status = statuses.update(finalize(result.status, results, versioned, { unassigned }));
    queueStatus(status, 0);
  };
  // Status is written beside the rebuild loop, not inside it: a route change goes live as soon as it is applied,
  // without waiting for the API round trips of the previous pass's status. Only the latest status is written.
  let statusNext: { status: StatusSnapshot; againMs: number } | null = null;
  let statusWriting: Promise<void> | null = null;
  const queueStatus = (status: StatusSnapshot, againMs: number) => {
    statusNext = { status, againMs };
    statusWriting ??= (async () => {
      while (statusNext) {
        const next: { status: StatusSnapshot; againMs: number } = statusNext;
        statusNext = null;
        try {
          await writeStatus(next.status, next.againMs);
        } catch (err) {
          log.error({ err }, `writing status failed: ${(err as Error)?.message ?? err}; retrying on the next pass`);
        }
      }
      statusWriting = null;
    })();
  };
  /** Writes status if leading; schedules another pass after `againMs` (0: only if a write failed). */
  const writeStatus = async (status: StatusSnapshot, againMs: number) => {
    const report = leading() ? await writeChanged(status) : null;
    if (report && report.written.length > 0) log.info(`status written: ${report.written.join(', ')}`);
    // Counted once the status is written too, so a watcher of this metric sees whole passes.
    metrics.configVersion.inc();
    if (report && report.failed.length > 0) againMs = againMs === 0 ? STATUS_RETRY_MS : Math.min(againMs, STATUS_RETRY_MS);
    if (againMs > 0 && !retry && leading()) {
      retry = setTimeout(() => {
        retry = undefined;
        rebuilds.trigger();
      }, againMs);
    }
  };
  // What each object's status was last found or written as, so a pass reads and writes only the objects whose
  // status changed: the writer reads every object it is given from the API server, and at thousands of routes a
  // pass over all of them kept the API server busy for seconds after every change. Keyed with the object's uid, so
  // an object deleted and created again under its name is written again.
  const confirmed = new Map<string, string>();
  // The status store hands back the same object for a status that did not change: serialised once.
  const statusJson = new WeakMap<ObjectStatus, string>();
  const writeChanged = async (status: StatusSnapshot): Promise<WriteReport> => {
    const total: WriteReport = { written: [], unchanged: 0, gone: 0, failed: [] };
    const seen = new Set<string>();
    for (const s of status) {
      const id = statusId(s);
      seen.add(id);
      let json = statusJson.get(s);
      if (json === undefined) statusJson.set(s, (json = `${s.apiVersion} ${s.generation} ${JSON.stringify(s.status)}`));
      const key = `${store.get(id)?.metadata.uid ?? ''} ${json}`;
      if (confirmed.get(id) === key) {
        total.unchanged++;
        continue;
      }
      const r = await writer.write([s]);
      total.written.push(...r.written);
      total.unchanged += r.unchanged;
      total.gone += r.gone;
      total.failed.push(...r.failed);
      if (r.failed.length === 0 && r.gone === 0) confirmed.set(id, key);
      else confirmed.delete(id);
    }
    for (const id of confirmed.keys()) if (!seen.has(id)) confirmed.delete(id);
    return total;
  };
  const rebuilds = debounce(rebuild, {
    holdoffMs: 20,
    maxMs: 500,
    // A lone change (one route written after a quiet spell) runs at once; changes that land during or right after a
    // pass wait for what is left of the holdoff after it.
    leading: true,
    onError: (err) => log.error({ err }, `applying the new configuration failed: ${(err as Error)?.message ?? err}; the previous one stays live`),
  });
  let listed = false;
  const source = new KubernetesSource({
    client, store,
    log: { info: (m) => log.info(m), warn: (m) => log.warn(m) },
    // Until every kind is listed once, a rebuild would see half the cluster and write wrong status (a route's
    // Service not listed yet reads as BackendNotFound), so changes wait for the initial list.
    onChange: () => {
      if (listed) rebuilds.trigger();
    },
  });

  const shutdown = async () => {
    // First, so another replica takes over status while this one drains.
    await elector?.stop();
    source.close();
    if (retry) clearTimeout(retry);
    rebuilds.cancel();
    await rebuilds.idle();
    await statusWriting;
    await dataPlane.close(DRAIN_GRACE_MS);
    await channel?.close();
    await owned?.stop();
    await admin.close();
  };

  log.info(`watching ${client.server} (API server settings from ${access.from})`);
  const channelError = channel ? await channel.start(provisioner!) : null;
  if (channelError) {
    await shutdown();
    return fail(channelError, 1);
  }
  await owned?.start();
  if (elector) elector.start();
  else log.info('leader election is off (--leader-elect=false): this replica writes status');
  try {
    await source.start();
  } catch (err) {
    await shutdown();
    return fail(`cannot read the API at ${client.server}: ${(err as Error).message}`, 1);
  }
  listed = true;
  log.info(`listed ${store.size} objects; serving`);
  rebuilds.trigger();
  await rebuilds.flush();

  await untilStopSignal(log);
  await shutdown();
  log.info('stopped');
  return 0;
}

/** The status subresource of Gateway API objects over the API server. */
function statusClient(client: KubeClient, leading: () => boolean): StatusClient {
  const path = (s: ObjectStatus) => {
    const plural = { GatewayClass: 'gatewayclasses', Gateway: 'gateways', HTTPRoute: 'httproutes', GRPCRoute: 'grpcroutes', TLSRoute: 'tlsroutes', TCPRoute: 'tcproutes', UDPRoute: 'udproutes',
      ListenerSet: 'listenersets', BackendTLSPolicy: 'backendtlspolicies', XBackendTrafficPolicy: 'xbackendtrafficpolicies' }[s.kind as string];
    const ns = s.namespace === undefined ? '' : `/namespaces/${encodeURIComponent(s.namespace)}`;
    return `/apis/${s.apiVersion}${ns}/${plural}/${encodeURIComponent(s.name)}`;
  };
  return {
    async get(s) {
      try {
        return await client.request<LiveObject>('GET', path(s));
      } catch (err) {
        if ((err as { code?: number }).code === 404) return null;
        throw err;
      }
    },
    async replaceStatus(s, object) {
      // Checked before every object, so a replica that loses the lease in the middle of a pass stops at once.
      if (!leading()) throw new Error('this replica lost the lease; the new leader writes it');
      await client.request('PUT', `${path(s)}/status`, object);
    },
  };
}


function fail(message: string, code: number): number {
  process.stderr.write(`portico controller: ${message}\n`);
  return code;
}
