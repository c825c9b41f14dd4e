// Public entry of the data plane: everything else in this folder is internal.
export { createDataPlane } from './dataplane.ts';
export type { DataPlaneSettings } from './dataplane.ts';
export { compileRouter } from './router.ts';
export type { Router, RouteSelection, SelectRequest } from './router.ts';
export type { AccessLogEntry, ApplyResult, DataPlane, DataPlaneOptions, ListenerBindResult } from './contract.ts';
