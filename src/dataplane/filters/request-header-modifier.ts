// RequestHeaderModifier: edits the headers sent upstream.
import type * as ir from '../../ir/types.ts';
import { compileHeaderModifier } from './header-modifier.ts';
import type { RequestEdit } from './types.ts';

export function compileRequestHeaderModifier(modifier: ir.HeaderModifier): RequestEdit {
  const edit = compileHeaderModifier(modifier);
  return (up) => edit(up.headers);
}
