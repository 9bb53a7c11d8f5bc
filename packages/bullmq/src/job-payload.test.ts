import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { decodePayload, encodePayload } from './job-payload.js';
import { otlpRequest } from './test-support.js';

describe('job payload', () => {
  it('round-trips a request byte for byte, compressed', async () => {
    const request = otlpRequest(50);
    const payload = await encodePayload(request, 10 * 1024 * 1024);
    expect(payload).toBeDefined();
    expect(payload!.codec).toBe('gzip');
    expect(payload!.body.length).toBeLessThan((request.body as string).length / 2);
    expect(await decodePayload(JSON.parse(JSON.stringify(payload)))).toEqual(request);
  });

  it('round-trips a binary body that is not gzipped (protobuf) as the same bytes', async () => {
    const plain = otlpRequest(20);
    // Every byte value, invalid UTF-8 included: read back as text, this would not survive.
    const bytes = new Uint8Array(
      Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from(plain.body as string)]),
    );
    const request = { ...plain, contentType: 'application/x-protobuf', body: bytes };
    const payload = await encodePayload(request, 10 * 1024 * 1024);
    expect(payload!.codec).toBe('gzip');
    const back = await decodePayload(JSON.parse(JSON.stringify(payload)));
    expect(back.body).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(back.body as Uint8Array).equals(Buffer.from(bytes))).toBe(true);
    expect({ ...back, body: undefined }).toEqual({ ...request, body: undefined });
  });

  it('keeps an already gzipped body as it is', async () => {
    const plain = otlpRequest(3);
    const request = {
      ...plain,
      contentEncoding: 'gzip' as const,
      body: new Uint8Array(gzipSync(plain.body as string)),
    };
    const payload = await encodePayload(request, 1024 * 1024);
    expect(payload!.codec).toBe('identity');
    const back = await decodePayload(payload!);
    expect(Buffer.from(back.body as Uint8Array).equals(Buffer.from(request.body))).toBe(true);
  });

  it('refuses a payload above the bound so the caller can split', async () => {
    const request = otlpRequest(200);
    const payload = await encodePayload(request, 1024 * 1024);
    const size = JSON.stringify(payload).length;
    expect(await encodePayload(request, size - 100)).toBeUndefined();
    expect(await encodePayload(request, size + 100)).toBeDefined();
  });

  it('refuses a payload of an unknown version', async () => {
    const payload = await encodePayload(otlpRequest(1), 1024 * 1024);
    await expect(decodePayload({ ...payload!, v: 2 as 1 })).rejects.toThrow(/version/);
  });
});
