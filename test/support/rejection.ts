// Test helper: the reason a promise rejects with; it fails the test when the promise fulfils instead.

/** Awaits `promise` and returns what it rejected with; throws if it fulfilled. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
