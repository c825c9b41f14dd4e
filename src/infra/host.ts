// The host infrastructure: data planes run in this process and bind on this machine's addresses.
// A Gateway that asks for no address gets one from `--gateway-address-pool`, or all interfaces without a pool.
import { isIPv4 } from 'node:net';
import type { GatewayKey, ProxyConfig } from '../ir/types.ts';

export class PoolError extends Error {}

/** An IPv4 CIDR handing out host addresses in order, each kept by its Gateway until the Gateway goes away. */
export class AddressPool {
  readonly cidr: string;
  readonly #first: number;
  readonly #last: number;
  readonly #byGateway = new Map<GatewayKey, number>();

  constructor(cidr: string) {
    const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr.trim());
    if (!m || !isIPv4(m[1]) || Number(m[2]) > 32) {
      throw new PoolError(`--gateway-address-pool ${JSON.stringify(cidr)} is not an IPv4 CIDR; use e.g. 127.0.1.0/24`);
    }
    const bits = Number(m[2]);
    const size = 2 ** (32 - bits);
    const network = Math.floor(toInt(m[1]) / size) * size;
    this.cidr = `${toIp(network)}/${bits}`;
    // Network and broadcast addresses are not hosts, except in /31 and /32 where every address is.
    this.#first = bits >= 31 ? network : network + 1;
    this.#last = bits >= 31 ? network + size - 1 : network + size - 2;
  }

  get capacity(): number {
    return this.#last - this.#first + 1;
  }

  /** The address held by a Gateway, if any. */
  addressOf(gateway: GatewayKey): string | undefined {
    const n = this.#byGateway.get(gateway);
    return n === undefined ? undefined : toIp(n);
  }

  /**
   * Fills `addresses` of every config that requested none. Gateways not in `configs` release their address.
   * Configs that could not get one (pool exhausted) are left out of `configs` and listed in `unassigned`.
   */
  assign(configs: readonly ProxyConfig[]): { configs: ProxyConfig[]; unassigned: Map<GatewayKey, string> } {
    const wanting = new Set(configs.filter((c) => c.addresses.length === 0).map((c) => c.gateway));
    for (const g of [...this.#byGateway.keys()]) if (!wanting.has(g)) this.#byGateway.delete(g);
    const used = new Set(this.#byGateway.values());
    const out: ProxyConfig[] = [];
    const unassigned = new Map<GatewayKey, string>();
    // Sorted so which Gateway gets which new address does not depend on map order.
    for (const c of [...configs].sort((a, b) => (a.gateway < b.gateway ? -1 : a.gateway > b.gateway ? 1 : 0))) {
      if (c.addresses.length > 0) {
        out.push(c);
        continue;
      }
      let n = this.#byGateway.get(c.gateway);
      if (n === undefined) {
        for (let i = this.#first; i <= this.#last; i++) {
          if (!used.has(i)) {
            n = i;
            break;
          }
        }
        if (n === undefined) {
          unassigned.set(c.gateway, `address pool ${this.cidr} is exhausted (${this.capacity} addresses); use a larger --gateway-address-pool or set spec.addresses`);
          continue;
        }
        this.#byGateway.set(c.gateway, n);
        used.add(n);
      }
      out.push({ ...c, addresses: [toIp(n)] });
    }
    return { configs: out, unassigned };
  }
}

/** Without a pool every Gateway that requested no address binds all interfaces: configs pass through. */
export function assignAddresses(pool: AddressPool | null, configs: readonly ProxyConfig[]) {
  if (!pool) return { configs: [...configs], unassigned: new Map<GatewayKey, string>() };
  return pool.assign(configs);
}

function toInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function toIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}
