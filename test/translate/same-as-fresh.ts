// The one property incremental translation must keep: whatever it reused, its result equals a translate() from scratch.
// And since results share parts, a later translation must never change an earlier result (the data plane still
// holds it and compares the next one against it by reference).
import assert from 'node:assert/strict';
import type { ResourceStore } from '../../src/sources/store.ts';
import { translate, type Translator } from '../../src/translate/index.ts';
import type { TranslateResult } from '../../src/translate/result.ts';

const previous = new WeakMap<Translator, { result: TranslateResult; copy: TranslateResult; what: string }>();

/** Translates the store's snapshot both ways and asserts IR and status are equal; `what` names the step that led here. */
export function assertSameAsFresh(translator: Translator, store: ResourceStore, what: string): TranslateResult {
  const snapshot = store.snapshot();
  const a = translator.translate(snapshot), b = translate(snapshot);
  assert.deepEqual([...a.proxies.entries()], [...b.proxies.entries()], `IR differs after ${what}`);
  assert.deepEqual(a.status, b.status, `status differs after ${what}`);
  const last = previous.get(translator);
  if (last !== undefined) {
    assert.deepEqual([...last.result.proxies.entries()], [...last.copy.proxies.entries()], `the IR of ${last.what} changed with ${what}`);
    assert.deepEqual(last.result.status, last.copy.status, `the status of ${last.what} changed with ${what}`);
  }
  previous.set(translator, { result: a, copy: structuredClone(a), what });
  return a;
}
