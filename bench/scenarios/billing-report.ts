/**
 * `$ccm-billing-report` for the last complete month of the dataset: tried as GET `?month=YYYY-MM`, then as
 * POST with a Parameters body; an asynchronous reply (202 + Content-Location) is polled. Reports the time
 * of each of a few sequential runs (the first one cold).
 */
import { assertLocal, describeFailure, postJson, request, type Reply } from '../support/http.js';
import { monitor, type ProcStats } from '../support/processes.js';
import { latencySummary, r2 } from '../support/stats.js';
import type { Target } from './target.js';

/** Outcome of the billing report runs. */
export type BillingOutcome =
  | {
      status: 'ok';
      form: 'GET' | 'POST';
      runs: number;
      msEach: number[];
      p50: number;
      maxMs: number;
      kilobytes: number;
      server: ProcStats | null;
    }
  | { status: 'unavailable'; reason: string };

async function settle(r: Reply, t0: number, headers: Record<string, string>): Promise<Reply> {
  const location = r.headers.get('content-location');
  if (r.status !== 202 || !location) return r;
  assertLocal(location);
  for (let i = 0; i < 6000; i++) {
    const s = await request(location, { headers });
    if (s.status !== 202) return { ...s, ms: performance.now() - t0 };
    await new Promise((res) => setTimeout(res, 50));
  }
  return r;
}

async function once(t: Target, form: 'GET' | 'POST'): Promise<Reply> {
  const t0 = performance.now();
  const r =
    form === 'GET'
      ? await request(`${t.base}/$ccm-billing-report?month=${t.month}`, { headers: t.headers })
      : await postJson(
          `${t.base}/$ccm-billing-report`,
          {
            resourceType: 'Parameters',
            parameter: [{ name: 'month', valueString: t.month }],
          },
          t.headers,
        );
  return settle(r, t0, t.headers);
}

/** Runs the report `runs` times. */
export async function billingScenario(t: Target, runs = 5): Promise<BillingOutcome> {
  let form: 'GET' | 'POST' = 'GET';
  const mon = monitor(t.pid);
  let first = await once(t, form);
  if (first.status !== 200) {
    const viaPost = await once(t, 'POST');
    if (viaPost.status !== 200) {
      mon.stop();
      return {
        status: 'unavailable',
        reason: `GET ${describeFailure(first)}; POST ${describeFailure(viaPost)}`,
      };
    }
    form = 'POST';
    first = viaPost;
  }
  const ms = [first.ms];
  for (let i = 1; i < runs; i++) {
    const r = await once(t, form);
    if (r.status !== 200) break;
    ms.push(r.ms);
  }
  const lat = latencySummary(ms);
  return {
    status: 'ok',
    form,
    runs: ms.length,
    msEach: ms.map(r2),
    p50: lat.p50,
    maxMs: r2(Math.max(...ms)),
    kilobytes: r2(first.text.length / 1000),
    server: mon.stop(),
  };
}
