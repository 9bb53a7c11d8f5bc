import { channel } from 'node:diagnostics_channel';
import { instrument, startObservation } from '@fusewire/core';
import { withTracing } from '@fusewire/next';
import { fakeCompletion, retrieve } from '../../../lib/fake-llm';

export const dynamic = 'force-dynamic';

// Any library can publish here without depending on fusewire; it nests under the route's trace.
const events = channel('langfuse.event');

export const POST = withTracing(
  async (req: Request) => {
    const { question = '' } = (await req.json().catch(() => ({}))) as { question?: string };
    events.publish({ name: 'chat-request', input: { question } });

    const docs = await instrument('retriever', { name: 'retrieve', input: question }, async (obs) => {
      const found = await retrieve(question);
      obs.update({ output: found });
      return found;
    });

    // Streamed: the generation ends when the last token is out, the route's trace right after.
    const generation = startObservation('generation', {
      name: 'answer',
      model: 'fake-llm',
      input: [{ role: 'user', content: question }],
      metadata: { docs },
    });
    const tokens = fakeCompletion(question);
    const encoder = new TextEncoder();
    let text = '';
    let count = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const next = await tokens.next();
          if (next.done) {
            generation.end({ output: text, usageDetails: { input: question.split(' ').length, output: count } });
            controller.close();
            return;
          }
          if (count++ === 0) generation.markFirstChunk();
          text += next.value;
          controller.enqueue(encoder.encode(next.value));
        } catch (error) {
          generation.recordError(error);
          generation.end();
          controller.error(error);
        }
      },
      cancel() {
        generation.end({ output: text, level: 'WARNING', statusMessage: 'client went away' });
      },
    });
    return new Response(body, { headers: { 'content-type': 'text/plain; charset=utf-8' } });
  },
  { name: 'chat' },
);
