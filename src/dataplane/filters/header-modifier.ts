// RequestHeaderModifier and ResponseHeaderModifier share one compiled form: set, then add, then remove.
import type * as ir from '../../ir/types.ts';

/** Lower-case names, string values only: the request side goes to undici as is, the response side to writeHead. */
export type HeaderBag = Record<string, string | string[]>;

export type HeaderEdit = (headers: HeaderBag) => void;

// Set-Cookie is the one response header that cannot be folded into one comma-separated line (RFC 6265 §3).
const ONE_LINE_EACH = 'set-cookie';

export function compileHeaderModifier(modifier: ir.HeaderModifier): HeaderEdit {
  // Names are compared case-insensitively; node:http and undici both hand us lower-case names.
  const set = modifier.set.map((h) => [h.name.toLowerCase(), h.value] as const);
  const add = modifier.add.map((h) => [h.name.toLowerCase(), h.value] as const);
  const remove = modifier.remove.map((n) => n.toLowerCase());
  return (headers) => {
    for (const [name, value] of set) headers[name] = value;
    for (const [name, value] of add) {
      const existing = headers[name];
      if (existing === undefined) headers[name] = value;
      else if (name === ONE_LINE_EACH) headers[name] = [...(Array.isArray(existing) ? existing : [existing]), value];
      else headers[name] = `${Array.isArray(existing) ? existing.join(',') : existing},${value}`;
    }
    for (const name of remove) delete headers[name];
  };
}
