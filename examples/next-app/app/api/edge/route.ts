import { withTracing } from '@fusewire/next';

// On the edge runtime @fusewire/next resolves to a no-op build: this builds and runs untraced.
export const runtime = 'edge';

export const GET = withTracing(() => new Response('edge ok'), { name: 'edge' });
