import dc from 'node:diagnostics_channel';

/**
 * HTTP requests in flight from this process, whatever the client uses: undici (fusewire's Pool,
 * `fetch` in langfuse v3) and node:http (the OTel exporter). Read at the client because the test
 * server answers each request within one macrotask, so it never sees two at once.
 */
export function trackInflight() {
  const t = { now: 0, max: 0, total: 0 };
  const inc = () => {
    t.total++;
    if (++t.now > t.max) t.max = t.now;
  };
  const dec = () => {
    t.now--;
  };
  dc.subscribe('undici:request:create', inc);
  dc.subscribe('undici:request:trailers', dec);
  dc.subscribe('undici:request:error', dec);
  dc.subscribe('http.client.request.start', ({ request }) => {
    inc();
    request.once('close', dec);
  });
  return {
    read: () => ({ max: t.max, total: t.total, open: t.now }),
    reset: () => {
      t.max = t.now;
      t.total = 0;
    },
  };
}
