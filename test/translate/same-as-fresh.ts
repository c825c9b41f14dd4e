// The one property incremental translation must keep: whatever it reused, its result equals a translate() from scratch.
import assert from 'node:assert/strict';
import type { ResourceStore } from '../../src/sources/store.ts';
import { translate, type Translator } from '../../src/translate/index.ts';

/** Translates the store's snapshot both ways and asserts IR and status are equal; `what` names the step that led here. */
export function assertSameAsFresh(translator: Translator, store: ResourceStore, what: string): void {
  const snapshot = store.snapshot();
  const a = translator.translate(snapshot), b = translate(snapshot);
  assert.deepEqual([...a.proxies.entries()], [...b.proxies.entries()], `IR differs after ${what}`);
  assert.deepEqual(a.status, b.status, `status differs after ${what}`);
}
