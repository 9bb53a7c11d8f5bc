export type { ForwardStats, ForwardTarget } from './server/forwarder.js';
export type { IntakeStats } from './server/intake-routes.js';
export {
  type DevServer,
  type DevServerOptions,
  type DevServerStats,
  startDevServer,
} from './server/start-dev-server.js';
export type { StoreCounters } from './store/types.js';
export { DEV_PRICES } from './view/prices.js';
export type { Level, TraceSummary, ViewNode, ViewTrace } from './view/types.js';
export { formatTraces } from './view/format-traces.js';
