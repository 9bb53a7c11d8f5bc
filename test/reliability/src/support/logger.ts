export { type CapturingLogger, captureLogger, type LogLine } from '@fusewire/test-server/harness';
