// The delivery seam of @fusewire/core, in one place for this package.
export type { Delivery, DeliveryResult, ExportRequest, RejectedEvent } from '@fusewire/core';
