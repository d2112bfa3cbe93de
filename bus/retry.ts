// The bus's one retry loop for JetStream calls that may fail while the cluster elects a leader or is overloaded:
// doubling waits from 50 ms up to 1 s, until a deadline; what is retryable and what is thrown at the end is the
// caller's. It must only wrap calls that are safe to repeat (a msgID'd publish, an idempotent stream setup).

/** Calls `fn` until it resolves; throws `giveUp(error)` once `retryable(error)` is false or `retryForMs` would pass. */
export async function retryWithin<T>(
  retryForMs: number,
  fn: () => Promise<T>,
  retryable: (error: unknown) => boolean,
  giveUp: (error: unknown) => unknown = (e) => e,
): Promise<T> {
  const deadline = Date.now() + retryForMs;
  let wait = 50;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (!retryable(e) || Date.now() + wait >= deadline) throw giveUp(e);
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 1_000);
    }
  }
}
