/**
 * Lets long work share the event loop: `await pause()` yields to other callbacks (requests, timers,
 * signals) once `sliceMs` of work has run since the last yield, and costs a clock read otherwise.
 * Evaluations, rates and sweeps over many cells call it between cells, so no request waits long
 * behind them however many cells there are.
 */
export function cooperative(sliceMs = 10, now: () => number = () => performance.now()): () => Promise<void> {
  let since = now();
  return async () => {
    if (now() - since < sliceMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    since = now();
  };
}
