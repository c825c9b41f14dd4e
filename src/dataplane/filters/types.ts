// The request a route builds for its upstream; filters edit it in place before it is sent.
import type { HeaderBag } from './header-modifier.ts';

export type UpstreamRequest = {
  /** Path without the query. */
  path: string;
  /** Query string without `?`; kept as sent. */
  rawQuery: string;
  /** Lower-case names; `host` is the Host header sent upstream. */
  headers: HeaderBag;
};

export type RequestEdit = (up: UpstreamRequest) => void;
