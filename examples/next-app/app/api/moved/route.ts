import { withTracing } from '@fusewire/next';
import { redirect } from 'next/navigation';

export const dynamic = 'force-dynamic';

// redirect() throws by design: the trace records a 307, not an error.
export const GET = withTracing(() => redirect('/api/hello'), { name: 'moved' });
