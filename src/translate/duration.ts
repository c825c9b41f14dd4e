// Gateway API durations (GEP-2257): up to four `<1-5 digits><h|m|s|ms>` parts, e.g. `1h30m`, `500ms`, `0s`.
const WHOLE = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;
const PART = /([0-9]{1,5})(ms|h|m|s)/g;
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

export type ParsedDuration = { ms: number; problem?: undefined } | { ms?: undefined; problem: string };

export function parseDuration(value: unknown): ParsedDuration {
  if (typeof value !== 'string' || !WHOLE.test(value)) {
    return { problem: `${JSON.stringify(value)} is not a Gateway API duration; write up to four parts such as 1h, 30m, 10s or 500ms (e.g. "1m30s")` };
  }
  let ms = 0;
  for (const m of value.matchAll(PART)) ms += Number(m[1]) * UNIT_MS[m[2]];
  return { ms };
}
