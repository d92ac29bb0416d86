/**
 * A minimal single-consumer async queue: one side pushes, the other iterates with for-await
 * until the queue is closed. Used to pipeline body chunks to the processor (sent as they
 * arrive) while replies are applied in order.
 */

/** Unbounded FIFO with an async iterator that ends after `close()`. */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private closed = false;
  private wake: (() => void) | undefined;

  /** Adds an item. */
  push(item: T): void {
    this.items.push(item);
    this.notify();
  }

  /** No more items will come; the iterator ends once drained. */
  close(): void {
    this.closed = true;
    this.notify();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
