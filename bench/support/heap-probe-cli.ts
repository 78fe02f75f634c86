/**
 * Forces a full garbage collection in a server started with `--inspect=127.0.0.1:PORT` and prints its
 * `process.memoryUsage()` right after, as one JSON line (Chrome DevTools Protocol over the inspector's
 * WebSocket: HeapProfiler.collectGarbage, then Runtime.evaluate). Benchmarks only, 127.0.0.1 only. Run with
 * `node --experimental-websocket --import tsx bench/support/heap-probe-cli.ts PORT` (Node 20's WebSocket).
 */
const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) throw new Error('heap-probe: PORT expected');

interface Reply {
  id?: number;
  result?: { result?: { value?: string } };
  error?: { message: string };
}

const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{
  webSocketDebuggerUrl: string;
}>;
const ws = new WebSocket(targets[0].webSocketDebuggerUrl);
const pending = new Map<number, (r: Reply) => void>();
let nextId = 0;
ws.onmessage = (ev: MessageEvent) => {
  const m = JSON.parse(String(ev.data)) as Reply;
  if (m.id !== undefined) pending.get(m.id)?.(m);
};
await new Promise((resolve, reject) => {
  ws.onopen = resolve;
  ws.onerror = reject;
});
const call = (method: string, params: Record<string, unknown> = {}) =>
  new Promise<Reply>((resolve) => {
    const id = ++nextId;
    pending.set(id, resolve);
    ws.send(JSON.stringify({ id, method, params }));
  });
await call('HeapProfiler.collectGarbage');
const reply = await call('Runtime.evaluate', {
  expression: 'JSON.stringify(process.memoryUsage())',
  returnByValue: true,
});
ws.close();
if (reply.error || typeof reply.result?.result?.value !== 'string') {
  throw new Error(`heap-probe: ${reply.error?.message ?? 'no value'}`);
}
process.stdout.write(`${reply.result.result.value}\n`);
