import { instrument } from '@fusewire/core';
import { withTracing } from '@fusewire/next';

export const dynamic = 'force-dynamic';

// The error is recorded on the trace and re-thrown unchanged: Next answers 500 as usual.
export const GET = withTracing(
  async () => {
    await instrument('span', { name: 'call-provider' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 2));
    });
    throw new Error('boom: the model provider is down');
  },
  { name: 'boom' },
);
