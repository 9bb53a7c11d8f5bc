import { getFusewire } from '@fusewire/core';

/** The flag check every wrapped call starts with: with no running client, the SDK call runs bare. */
export function isTracing(): boolean {
  return getFusewire()?.enabled === true;
}
