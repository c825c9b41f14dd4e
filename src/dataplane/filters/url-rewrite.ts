// URLRewrite: hostname becomes the upstream Host header; the path is replaced in full or by prefix.
import type * as ir from '../../ir/types.ts';
import { rewritePath } from '../path-rewrite.ts';
import type { RequestEdit } from './types.ts';

export function compileUrlRewrite(filter: Extract<ir.HttpFilter, { type: 'URLRewrite' }>, prefix: string | null): RequestEdit {
  const { hostname, path } = filter;
  return (up) => {
    if (hostname !== undefined) up.headers.host = hostname;
    if (path !== undefined) up.path = rewritePath(up.path, path, prefix);
  };
}
