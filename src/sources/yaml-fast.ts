// The fast way through a manifest file: js-yaml, ten to twenty times quicker than the `yaml` library on manifests,
// with scalars resolved exactly as `yaml` resolves them (the YAML 1.2 core schema). `yaml` stays the authority: a
// file js-yaml refuses, or one whose objects need a line number beyond their first (an error to report), is parsed
// again by parse.ts the `yaml` way, so what a user sees in messages does not depend on which parser ran.
import jsyaml from 'js-yaml';

/** `yaml`'s core-schema tests (node_modules/yaml/dist/schema/core), so both parsers read `0b1`, `1e3`, `yes` alike. */
const int = new jsyaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (s: string) => /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/.test(s),
  construct: (s: string) => (s.startsWith('0o') ? parseInt(s.slice(2), 8) : s.startsWith('0x') ? parseInt(s.slice(2), 16) : parseInt(s, 10)),
  predicate: (v: unknown) => Number.isInteger(v),
});
const float = new jsyaml.Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (s: string) => /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)$/.test(s),
  construct: (s: string) => (/nan$/i.test(s) ? NaN : /inf$/i.test(s) ? (s.startsWith('-') ? -Infinity : Infinity) : parseFloat(s)),
  predicate: (v: unknown) => typeof v === 'number',
});
const bool = new jsyaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (s: string) => /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(s),
  construct: (s: string) => s[0] === 't' || s[0] === 'T',
  predicate: (v: unknown) => typeof v === 'boolean',
});
const nul = new jsyaml.Type('tag:yaml.org,2002:null', {
  kind: 'scalar',
  resolve: (s: string) => /^(?:~|[Nn]ull|NULL)?$/.test(s),
  construct: () => null,
  predicate: (v: unknown) => v === null,
});
// Implicit types are tried in order: int before float, as in `yaml`, so `12` is an int and `1.5` a float.
const CORE = jsyaml.FAILSAFE_SCHEMA.extend({ implicit: [nul, bool, int, float] });

export type FastDocument = { value: unknown; line: number };

/**
 * Every document of `text` with the line its content starts on (1-based), or null when js-yaml refuses the text or
 * it uses something only `yaml` reads the same way (directives such as `%YAML 1.1`, tags).
 */
export function loadDocuments(text: string): FastDocument[] | null {
  // Tags (`!!float 1`) resolve by rules of their own in each parser: rare in manifests, left to `yaml`.
  if (/^%/m.test(text) || text.includes('!!') || text.includes('!<')) return null;
  const lines: number[] = [];
  let depth = 0;
  try {
    const values = jsyaml.loadAll(text, undefined, {
      schema: CORE,
      // The document's root node opens after the `---` and any comments: where `yaml` says its content starts.
      listener: (event, state) => {
        if (event === 'open' && depth++ === 0) lines.push(state.line + 1);
        else if (event === 'close') depth--;
      },
    });
    if (values.length !== lines.length || values.some(stringifiedKey)) return null;
    return values.map((value, i) => ({ value, line: lines[i] }));
  } catch {
    return null;
  }
}

/**
 * A mapping key that was a collection (`{a: 1}: x`, `[a, b]: x`): js-yaml names it `[object Object]` or `a,b` where
 * `yaml` writes `{ a: 1 }`. Never valid in a Kubernetes object, but the text must still read the same both ways,
 * so such a file (and one with a key holding a comma, which js-yaml could have made from a list) goes to `yaml`.
 */
function stringifiedKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(stringifiedKey);
  for (const key in value) {
    if (key === '[object Object]' || key.includes(',') || stringifiedKey((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}
