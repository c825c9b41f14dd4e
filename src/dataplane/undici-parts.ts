// The pieces of undici the data plane uses, loaded from their own modules. The package's entry point also loads
// fetch, WebSocket, EventSource, its caches and mocks: about 13 MiB more resident memory in every proxy process for
// code nothing here calls. undici has no `exports` map, so these paths are reachable; the lock file pins the version,
// and test/dataplane/undici-parts.test.ts fails if an upgrade moves them.
import { createRequire } from 'node:module';
import type * as Undici from 'undici';

const load = createRequire(import.meta.url);

// undici's entry point puts request(), stream() and the rest on every dispatcher; the filters call request().
const Dispatcher = load('undici/lib/dispatcher/dispatcher.js') as { prototype: object };
Object.assign(Dispatcher.prototype, load('undici/lib/api/index.js'));

export const Pool = load('undici/lib/dispatcher/pool.js') as typeof Undici.Pool;
export const Client = load('undici/lib/dispatcher/client.js') as typeof Undici.Client;
export const H2CClient = load('undici/lib/dispatcher/h2c-client.js') as typeof Undici.H2CClient;
const core = load('undici/lib/core/util.js') as { parseHeaders: typeof Undici.util.parseHeaders };
export const parseHeaders = core.parseHeaders;
