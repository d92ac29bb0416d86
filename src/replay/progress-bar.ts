/**
 * A one-line progress bar for a terminal: redrawn in place with `\r`, at most every 100 ms,
 * and finished with a newline. Only used when standard error is a TTY.
 */

/** A progress bar writing through `write`. */
export class ProgressBar {
  private lastDraw = -Infinity;

  /**
   * @param write where the bar goes (standard error).
   * @param now clock in ms.
   * @param width bar width in characters.
   */
  constructor(
    private readonly write: (text: string) => void,
    private readonly now: () => number = () => performance.now(),
    private readonly width = 30,
  ) {}

  /** Shows `done` of `total`; redraws at most every 100 ms, and always on the last one. */
  update(done: number, total: number, failed: number): void {
    const t = this.now();
    if (done < total && t - this.lastDraw < 100) return;
    this.lastDraw = t;
    const filled = total > 0 ? Math.round((done / total) * this.width) : this.width;
    const bar = '#'.repeat(filled) + '-'.repeat(this.width - filled);
    this.write(`\r[${bar}] ${done}/${total}${failed > 0 ? ` (${failed} failed)` : ''}`);
  }

  /** Ends the line the bar is on. */
  finish(): void {
    if (this.lastDraw !== -Infinity) this.write('\n');
  }
}
