import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLangfuseServer } from '@fusewire/test-server';
import { expect, it } from 'vitest';
import { repoRoot } from './support/readme.js';
import { startNode } from './support/scratch-app.js';

const root = fileURLToPath(repoRoot);

it('the quickstart answers each question, and says so in one line', async () => {
  const server = await startLangfuseServer();
  try {
    const app = startNode(join(root, 'examples/quickstart'), 'index.mjs', {
      LANGFUSE_BASE_URL: server.url,
      LANGFUSE_PUBLIC_KEY: server.publicKey,
      LANGFUSE_SECRET_KEY: server.secretKey,
    });
    expect(await app.exited, app.output()).toBe(0);
    expect(app.output()).toBe('sent: 12 delivered, 0 pending, 0 dropped\n');
    // Each question's model call (the `chat` generation) answers that question.
    const chats = server.received.traces().flatMap((t) => t.observations.filter((o) => o.name === 'chat'));
    const answers = Object.fromEntries(
      chats.map((o) => [(o.input as Array<{ content: string }>)[0]!.content, o.output as string]),
    );
    expect(answers).toEqual({
      'What is the capital of France?': 'Paris is the capital of France.',
      'What is 2 + 2?': '2 + 2 is 4.',
    });
  } finally {
    await server.close();
  }
});
