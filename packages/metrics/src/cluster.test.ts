import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startLangfuseServer } from '@fusewire/test-server';
import { expect, it } from 'vitest';

it('sums every cluster worker’s metrics in the primary through AggregatorRegistry', async () => {
  const langfuse = await startLangfuseServer();
  const app = fork(fileURLToPath(new URL('../fixtures/cluster-app.mjs', import.meta.url)), {
    env: { ...process.env, LANGFUSE_BASE_URL: langfuse.url },
    stdio: 'ignore',
  });
  try {
    const { metricsUrl } = await new Promise<{ metricsUrl: string }>((resolve, reject) => {
      app.once('message', (m) => resolve(m as { metricsUrl: string }));
      app.once('exit', (code) => reject(new Error(`cluster exited ${code}`)));
    });
    const text = await (await fetch(metricsUrl)).text();
    expect(text).toContain('fusewire_llm_tokens_total{model="gpt-4o",type="input"} 100');
    expect(text).toContain('fusewire_events_total{kind="generation",outcome="delivered"} 10');
  } finally {
    app.disconnect();
    await langfuse.close();
  }
}, 60_000);
