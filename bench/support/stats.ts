/** Percentiles and rounding for the benchmark reports. */

/** p50/p95/p99 in milliseconds, rounded to 0.01 ms. */
export function latencySummary(samples: number[]): { p50: number; p95: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted.length === 0
      ? 0
      : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  return { p50: r2(at(50)), p95: r2(at(95)), p99: r2(at(99)) };
}

/** Rounds to two decimals. */
export function r2(x: number): number {
  return Math.round(x * 100) / 100;
}
