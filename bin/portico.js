#!/usr/bin/env node
// The CLI is TypeScript run natively by Node 24; this shim lets `npx portico` find it.
import '../src/cli/main.ts';
