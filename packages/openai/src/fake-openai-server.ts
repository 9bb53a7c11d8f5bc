// A local stand-in for the OpenAI API, shaped like its answers (tests only; not exported).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeOpenAI {
  baseURL: string;
  requests: Array<{ path: string; body: any }>;
  close(): Promise<void>;
}

const CHAT_USAGE = {
  prompt_tokens: 20,
  completion_tokens: 8,
  total_tokens: 28,
  prompt_tokens_details: { cached_tokens: 12 },
  completion_tokens_details: { reasoning_tokens: 3 },
};
const RESPONSES_USAGE = {
  input_tokens: 30,
  output_tokens: 10,
  total_tokens: 40,
  input_tokens_details: { cached_tokens: 5 },
  output_tokens_details: { reasoning_tokens: 4 },
};

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const requests: FakeOpenAI['requests'] = [];
  const server = createServer(async (req, res) => {
    const body = JSON.parse((await readBody(req)) || '{}');
    requests.push({ path: req.url ?? '', body });
    if (body.model === 'broken-model')
      return json(res, 400, { error: { message: 'model broken-model does not exist', type: 'invalid_request_error' } });
    if (req.url?.endsWith('/chat/completions'))
      return body.stream ? chatStream(res, body) : json(res, 200, chatCompletion(body));
    if (req.url?.endsWith('/responses')) return body.stream ? responseStream(res) : json(res, 200, response());
    if (req.url?.endsWith('/embeddings')) return json(res, 200, embeddings(body));
    json(res, 404, { error: { message: 'not found' } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => resolve(text));
  });
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

function chatCompletion(body: any) {
  const wantsTool = Array.isArray(body.tools) && body.tools.length > 0 && body.messages?.at(-1)?.role !== 'tool';
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'gpt-4o-2024-08-06',
    choices: [
      {
        index: 0,
        message: wantsTool
          ? {
              role: 'assistant',
              content: null,
              tool_calls: [
                { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
              ],
            }
          : { role: 'assistant', content: '2 + 2 = 4.' },
        finish_reason: wantsTool ? 'tool_calls' : 'stop',
      },
    ],
    usage: CHAT_USAGE,
  };
}

async function chatStream(res: ServerResponse, body: any): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const send = (d: unknown) => res.write(`data: ${JSON.stringify(d)}\n\n`);
  const chunk = (delta: unknown, finish: string | null = null) => ({
    id: 'chatcmpl-2',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'gpt-4o-2024-08-06',
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const parts = body.slow ? Array.from({ length: 50 }, (_, i) => `w${i} `) : ['2 + ', '2 = ', '4.'];
  send(chunk({ role: 'assistant', content: '' }));
  for (const part of parts) {
    if (res.destroyed) return;
    send(chunk({ content: part }));
    if (body.slow) await new Promise((r) => setTimeout(r, 20));
  }
  send(chunk({}, 'stop'));
  if (body.stream_options?.include_usage) send({ ...chunk({}), choices: [], usage: CHAT_USAGE });
  res.end('data: [DONE]\n\n');
}

function response() {
  return {
    id: 'resp_1',
    object: 'response',
    created_at: 1_700_000_000,
    status: 'completed',
    model: 'gpt-4.1-2025-04-14',
    output: [
      {
        type: 'message',
        id: 'msg_1',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'Paris.', annotations: [] }],
      },
    ],
    usage: RESPONSES_USAGE,
  };
}

function responseStream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const send = (d: any) => res.write(`event: ${d.type}\ndata: ${JSON.stringify(d)}\n\n`);
  send({
    type: 'response.created',
    sequence_number: 0,
    response: { ...response(), status: 'in_progress', output: [], usage: null },
  });
  send({
    type: 'response.output_text.delta',
    sequence_number: 1,
    item_id: 'msg_1',
    output_index: 0,
    content_index: 0,
    delta: 'Par',
  });
  send({
    type: 'response.output_text.delta',
    sequence_number: 2,
    item_id: 'msg_1',
    output_index: 0,
    content_index: 0,
    delta: 'is.',
  });
  send({ type: 'response.completed', sequence_number: 3, response: response() });
  res.end();
}

function embeddings(body: any) {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  return {
    object: 'list',
    model: 'text-embedding-3-small',
    data: inputs.map((_: unknown, index: number) => ({ object: 'embedding', index, embedding: [0.1, 0.2, 0.3, 0.4] })),
    usage: { prompt_tokens: 6, total_tokens: 6 },
  };
}
