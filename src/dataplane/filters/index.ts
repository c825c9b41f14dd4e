// Compiles a route's filter list into request-side edits and response-side header edits, in order.
import type * as ir from '../../ir/types.ts';
import { compileHeaderModifier, type HeaderEdit } from './header-modifier.ts';
import type { RequestEdit } from './types.ts';
import { compileUrlRewrite } from './url-rewrite.ts';

export type CompiledFilters = { request: RequestEdit[]; response: HeaderEdit[] };

export function compileFilters(filters: readonly ir.HttpFilter[], prefix: string | null): CompiledFilters {
  const out: CompiledFilters = { request: [], response: [] };
  for (const f of filters) {
    switch (f.type) {
      case 'RequestHeaderModifier': {
        const edit = compileHeaderModifier(f.modifier);
        out.request.push((up) => edit(up.headers));
        break;
      }
      case 'ResponseHeaderModifier':
        out.response.push(compileHeaderModifier(f.modifier));
        break;
      case 'URLRewrite':
        out.request.push(compileUrlRewrite(f, prefix));
        break;
    }
  }
  return out;
}
