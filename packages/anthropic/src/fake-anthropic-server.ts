// A local stand-in for the Anthropic Messages API, shaped like its answers (tests only; not exported).
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeAnthropic {
  baseURL: string;
  close(): Promise<void>;
}

const USAGE = {
  input_tokens: 14,
  output_tokens: 6,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 100,
  service_tier: 'standard',
};

export async function startFakeAnthropic(): Promise<FakeAnthropic> {
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const body = JSON.parse(text || '{}');
      if (body.model === 'broken-model') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: 'model: broken-model' } }));
        return;
      }
      if (body.stream) return void stream(res, body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(message(body)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function message(body: any) {
  const tool = Array.isArray(body.tools) && body.tools.length > 0;
  return {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5-20250929',
    content: tool
      ? [{ type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } }]
      : [{ type: 'text', text: 'Paris is the capital of France.' }],
    stop_reason: tool ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: USAGE,
  };
}

async function stream(res: ServerResponse, body: any): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const send = (d: any) => res.write(`event: ${d.type}\ndata: ${JSON.stringify(d)}\n\n`);
  send({
    type: 'message_start',
    message: { ...message(body), content: [], stop_reason: null, usage: { ...USAGE, output_tokens: 1 } },
  });
  send({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
  const parts =
    body.metadata?.user_id === 'slow'
      ? Array.from({ length: 50 }, (_, i) => `w${i} `)
      : ['Paris is ', 'the capital ', 'of France.'];
  for (const part of parts) {
    if (res.destroyed) return;
    send({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: part } });
    if (parts.length > 3) await new Promise((r) => setTimeout(r, 20));
  }
  send({ type: 'content_block_stop', index: 0 });
  send({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 6 } });
  send({ type: 'message_stop' });
  res.end();
}
