// RequestHeaderModifier and ResponseHeaderModifier share one compiled form: set, then add, then remove.
import type * as ir from '../../ir/types.ts';

export type HeaderBag = Record<string, string | string[] | number | undefined>;

export type HeaderEdit = (headers: HeaderBag) => void;

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
      else if (Array.isArray(existing)) headers[name] = [...existing, value].join(',');
      else headers[name] = `${existing},${value}`;
    }
    for (const name of remove) delete headers[name];
  };
}
