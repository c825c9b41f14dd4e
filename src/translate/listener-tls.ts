// The TLS settings of a Gateway's terminating listeners, laid onto its assembled ProxyConfig: tls.options per
// certificate, client-certificate validation per HTTPS port, and Terminate mode (with its certificates) on TLS ports.
import type * as ir from '../ir/types.ts';
import type { GatewayInfo } from './gateway.ts';
import type { CompiledL4Route } from './l4routes.ts';
import type { ListenerInfo } from './listeners.ts';
import { buildProxy, type ListenerMemo } from './proxy.ts';
import type { AttachedIndex } from './routes.ts';

export function buildProxyWithTls(g: GatewayInfo, attached: AttachedIndex, l4: AttachedIndex<CompiledL4Route>, memo?: ListenerMemo): ir.ProxyConfig {
  return withListenerTls(buildProxy(g, attached, l4, memo), g);
}

/** Returns `config` with the listeners' TLS settings; the listeners must come from `g` (buildProxy's output). */
export function withListenerTls(config: ir.ProxyConfig, g: GatewayInfo): ir.ProxyConfig {
  const byName = new Map<string, ListenerInfo>(g.listeners.filter((l) => l.valid).map((l) => [l.spec.name, l]));
  const secrets = new Map(Object.entries(config.secrets ?? {}));
  const listeners = config.listeners.map((l): ir.Listener => {
    if (l.protocol === 'HTTPS') {
      const certificates = l.certificates.map((cert) => {
        const options = byName.get(cert.listener)?.tlsOptions;
        return options ? { ...cert, options } : cert;
      });
      // Every HTTPS listener of a port resolved the same spec.tls.frontend entry: the first one speaks for the port.
      const validation = l.hosts.map((h) => byName.get(h.listener)?.clientValidation).find((v) => v !== undefined);
      return { ...l, certificates, ...(validation ? { clientValidation: validation } : {}) };
    }
    if (l.protocol !== 'TLS') return l;
    const hosts = l.hosts.map((h) => {
      const info = byName.get(h.listener);
      if (!info || (info.spec.tls?.mode ?? 'Terminate') !== 'Terminate') return h;
      for (const s of info.secrets) secrets.set(s.name, s.secret);
      const terminate: ir.TlsTermination = { secretNames: info.secrets.map((s) => s.name), ...(info.tlsOptions ? { options: info.tlsOptions } : {}) };
      return { ...h, terminate };
    });
    return { ...l, hosts };
  });
  const out: ir.ProxyConfig = { ...config, listeners };
  if (secrets.size > 0) out.secrets = Object.fromEntries([...secrets.keys()].sort().map((name) => [name, secrets.get(name)!]));
  return out;
}
