// What a data plane answers when given configs: which listeners got bound. Lives in ir/ because both the data plane
// (which produces it) and status/ (which turns it into Programmed) read it, and status/ may not import dataplane/.
import type { GatewayKey } from './types.ts';

export type ListenerBindResult = {
  port: number;
  /** The address bound, or `0.0.0.0`/`::` for all interfaces. */
  address: string;
  bound: boolean;
  /** Why binding failed, e.g. `EADDRINUSE`. */
  error?: string;
};

export type ApplyResult = {
  gateway: GatewayKey;
  version: string;
  listeners: ListenerBindResult[];
};
