// What the READMEs' snippets use without defining: the reader's own code. Loose on purpose: the
// packages' types are what the snippets check.
/// <reference types="vitest/globals" />
declare global {
  const answer: (question: string, user: { userId: string }) => Promise<string>;
  const myQueue: { add(name: string, data: unknown, options?: object): Promise<unknown> };
  const messages: Array<{ role: string; content: string }>;
  function llm(input: unknown): Promise<{ text: string; usage: { prompt_tokens: number; completion_tokens: number } }>;
  const q: string;
  const search: (q: string) => Promise<string[]>;
  const embed: (q: string) => number[];
  const rerank: (docs: string[], done: (err: Error | null, ranked?: string[]) => void) => void;
  const rawSearch: (q: string) => Promise<string[]>;
  const client: any;
  const model: import('ai').LanguageModel;
  const stream: AsyncIterable<string>;
  const logger: { info(obj: object, msg?: string): void };
  const req: { id: string };
  const user: { id: string };
  const sessionId: string;
  const charge: (cart: unknown) => Promise<void>;
  const cart: unknown;
  const ship: () => Promise<void>;
  const connection: { host: string; port: number };
  const app: { use(...args: any[]): void };
}
export {};
