// What translate() returns: the IR per Gateway and the status of every object it read.
import type { GatewayKey, ProxyConfig } from '../ir/types.ts';
import type { StatusSnapshot } from '../status/types.ts';

export type TranslateResult = {
  proxies: Map<GatewayKey, ProxyConfig>;
  status: StatusSnapshot;
};
