// ResponseHeaderModifier: edits the headers sent back to the client, whatever produced the response.
import type * as ir from '../../ir/types.ts';
import { compileHeaderModifier, type HeaderEdit } from './header-modifier.ts';

export function compileResponseHeaderModifier(modifier: ir.HeaderModifier): HeaderEdit {
  return compileHeaderModifier(modifier);
}
