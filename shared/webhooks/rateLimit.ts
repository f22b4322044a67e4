import type { RateLimit } from '../model/webhook';

/**
 * Per-webhook token buckets, in this process's memory: each instance of the Function App keeps its
 * own, so with N instances a webhook may get up to N × the configured rate. The bucket holds
 * `requests` tokens and refills at `requests / perSeconds` per second.
 */
interface Bucket {
  tokens: number;
  last: number;
  requests: number;
  perSeconds: number;
}

const MAX_BUCKETS = 10_000;
const buckets = new Map<string, Bucket>();

/** Takes one token; returns 0 when allowed, else the seconds until the next token (≥ 1). */
export function takeToken(key: string, limit: RateLimit, now = Date.now()): number {
  let b = buckets.get(key);
  if (!b || b.requests !== limit.requests || b.perSeconds !== limit.perSeconds) {
    if (buckets.size >= MAX_BUCKETS) buckets.delete(buckets.keys().next().value!);
    b = { tokens: limit.requests, last: now, requests: limit.requests, perSeconds: limit.perSeconds };
    buckets.set(key, b);
  }
  const rate = limit.requests / (limit.perSeconds * 1000);
  b.tokens = Math.min(limit.requests, b.tokens + (now - b.last) * rate);
  b.last = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return 0;
  }
  return Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000));
}

/** Forget a webhook's bucket (deleted, or its limit changed). */
export function dropBucket(key: string): void {
  buckets.delete(key);
}
