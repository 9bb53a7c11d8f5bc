export { type FusewireTelemetryOptions, fusewireTelemetry } from './fusewire-telemetry.js';
export { langfuseUsage } from './usage.js';
