import { channel } from 'node:diagnostics_channel';
import type { AddressInfo } from 'node:net';
import { createFusewire, type Fusewire } from '@fusewire/core';
import { clientHarness, silentLogger } from '@fusewire/test-server/harness';
import { type LangfuseTestServer, startLangfuseServer } from '@fusewire/test-server';
import express from 'express';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collectMetrics, type MetricsCollection, metricsHandler } from './index.js';

let langfuse: LangfuseTestServer;
let fusewire: Fusewire;
let register: Registry;
let collection: MetricsCollection;
let scrape: () => Promise<string>;
let closeApp: () => Promise<void>;
const generation = channel('langfuse.generation');
const span = channel('langfuse.span');

beforeAll(async () => {
  langfuse = await startLangfuseServer();
  ({ client: fusewire } = clientHarness(createFusewire).startClient(langfuse, {
    flushIntervalMs: 50,
    // Room for one retry: the first backoff alone is 250–500 ms, so a 500 ms budget sometimes gave the
    // span after a 503 up (retry_exhausted; failed once in a clean-clone CI run).
    maxRetryElapsedMs: 5_000,
    logger: silentLogger,
  }));
});
beforeEach(async () => {
  register = new Registry();
  collection = collectMetrics(fusewire, { register, maxModels: 5 });
  const app = express();
  app.get('/metrics', metricsHandler(register));
  const server = await new Promise<ReturnType<typeof app.listen>>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  scrape = async () => {
    const res = await fetch(url);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    return res.text();
  };
  closeApp = () => new Promise((resolve) => server.close(() => resolve()));
});
afterEach(async () => {
  collection.stop();
  await closeApp();
  langfuse.reset();
});
afterAll(async () => {
  await fusewire.shutdown();
  await langfuse.close();
});

/** The value of one series in Prometheus' text format (0 when absent). */
function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

const t0 = Date.now() - 10_000;
function publishGeneration(i: number, model: string, extra: Record<string, unknown> = {}) {
  generation.publish({
    name: `chat-${i}`,
    model,
    startTime: t0,
    completionStartTime: t0 + 250,
    endTime: t0 + 1000,
    usageDetails: {
      prompt_tokens: 20,
      completion_tokens: 8,
      total_tokens: 28,
      prompt_tokens_details: { cached_tokens: 12 },
    },
    costDetails: { total: 0.002 },
    ...extra,
  });
}

describe('collectMetrics through a real Express /metrics route', () => {
  it('counts what was published: events, LLM tokens as Langfuse reads them, cost, latency, errors', async () => {
    for (let i = 0; i < 7; i++) publishGeneration(i, 'gpt-4o');
    publishGeneration(7, 'gpt-4o', { level: 'ERROR', statusMessage: 'rate limited' });
    for (let i = 0; i < 3; i++) span.publish({ name: `step-${i}`, startTime: t0, endTime: t0 + 5 });
    await fusewire.flush();
    const text = await scrape();
    expect(value(text, 'fusewire_events_total{kind="generation",outcome="delivered"}')).toBe(8);
    expect(value(text, 'fusewire_events_total{kind="span",outcome="delivered"}')).toBe(3);
    // OpenAI's shape, converted as Langfuse converts it: 20 prompt tokens of which 12 cached.
    expect(value(text, 'fusewire_llm_tokens_total{model="gpt-4o",type="input"}')).toBe(8 * 8);
    expect(value(text, 'fusewire_llm_tokens_total{model="gpt-4o",type="input_cached_tokens"}')).toBe(8 * 12);
    expect(value(text, 'fusewire_llm_tokens_total{model="gpt-4o",type="output"}')).toBe(8 * 8);
    expect(value(text, 'fusewire_llm_cost_total{model="gpt-4o"}')).toBeCloseTo(8 * 0.002, 9);
    expect(value(text, 'fusewire_llm_errors_total{model="gpt-4o"}')).toBe(1);
    expect(value(text, 'fusewire_llm_duration_seconds_count{model="gpt-4o"}')).toBe(8);
    expect(value(text, 'fusewire_llm_duration_seconds_sum{model="gpt-4o"}')).toBeCloseTo(8, 6);
    expect(value(text, 'fusewire_llm_time_to_first_token_seconds_sum{model="gpt-4o"}')).toBeCloseTo(2, 6);
    expect(value(text, 'fusewire_export_requests_total{status="delivered"}')).toBeGreaterThan(0);
    expect(value(text, 'fusewire_queue_events')).toBe(0);
  });

  it('keeps labels bounded: no names or ids, at most maxModels models and then "other"', async () => {
    for (let i = 0; i < 10_000; i++) span.publish({ name: `name-${i}`, startTime: t0, endTime: t0 + 1 });
    for (let m = 0; m < 1_000; m++) publishGeneration(m, `model-${m}`);
    await fusewire.flush(30_000);
    const text = await scrape();
    const series = text.split('\n').filter((l) => l.startsWith('fusewire_llm_tokens_total{'));
    const models = new Set(series.map((l) => /model="([^"]+)"/.exec(l)?.[1]));
    expect(models.size).toBe(6);
    expect(models.has('other')).toBe(true);
    expect(text).not.toMatch(/name-\d+|chat-\d+/);
    expect(value(text, 'fusewire_events_total{kind="span",outcome="delivered"}')).toBe(10_000);
    expect(value(text, 'fusewire_llm_errors_total{model="other"}')).toBe(0);
  });

  it('counts drops by reason and export attempts by status', async () => {
    generation.publish({ name: 'bad', startTime: 'not a time' });
    langfuse.script({ endpoint: 'otlp', status: 503, times: 1 });
    span.publish({ name: 'after-a-503', startTime: t0, endTime: t0 + 1 });
    await fusewire.flush();
    const text = await scrape();
    expect(value(text, 'fusewire_dropped_total{reason="invalid"}')).toBe(1);
    expect(value(text, 'fusewire_events_total{kind="unknown",outcome="invalid"}')).toBe(1);
    expect(value(text, 'fusewire_export_requests_total{status="503"}')).toBe(1);
    expect(value(text, 'fusewire_events_total{kind="span",outcome="delivered"}')).toBe(1);
  });
});
