// One line at the bottom of a terminal saying what is running now ("serial: simulating 42% of
// 363,520 ops"), redrawn in place at most every 100 ms and cleared before any other output, so
// finished lines scroll above it. Off (every call a no-op) when the stream is not a terminal:
// logs and pipes get the plain lines alone.
export class StatusLine {
  private readonly parts = new Map<string, string>();
  private shown = false;
  private lastDraw = -Infinity;

  /** `columns`: the terminal's width (a longer line would wrap, and the part above could not be cleared). */
  constructor(
    private readonly write: (text: string) => void,
    private readonly enabled: boolean,
    private readonly now: () => number = () => performance.now(),
    private readonly columns: () => number = () => process.stderr.columns ?? 80,
  ) {}

  /** What `key` is doing now (its part of the line). */
  set(key: string, text: string): void {
    const known = this.parts.has(key);
    this.parts.set(key, text);
    this.draw(!known);
  }

  /** `key` is done: its part leaves the line at the next draw. */
  delete(key: string): void {
    this.parts.delete(key);
  }

  /** Writes `text` (whole lines) with `out`, the status line cleared first and redrawn after. */
  log(out: (text: string) => void, text: string): void {
    this.clear();
    out(text);
    this.draw(true);
  }

  /** Clears the line for good (before the command's final output). */
  stop(): void {
    this.parts.clear();
    this.clear();
  }

  private clear(): void {
    if (!this.shown) return;
    this.write('\r\x1b[K');
    this.shown = false;
  }

  private draw(force: boolean): void {
    if (!this.enabled) return;
    const t = this.now();
    if (!force && t - this.lastDraw < 100) return;
    this.lastDraw = t;
    if (this.parts.size === 0) return this.clear();
    const text = `  ${[...this.parts].map(([key, part]) => `${key}: ${part}`).join(' · ')}`;
    const room = Math.max(10, this.columns() - 1);
    this.write(`\r\x1b[K${text.length > room ? `${text.slice(0, room - 1)}…` : text}`);
    this.shown = true;
  }
}

/** The status line of a command: on its stderr when that is a terminal, else off. */
export function terminalStatusLine(err: (text: string) => void): StatusLine {
  return new StatusLine(err, Boolean(process.stderr.isTTY));
}

/** The part of the status line for a schedule at `step`. */
export function describeStep(step: { stage: 'build' | 'simulate'; done: number; total: number }): string {
  if (step.stage === 'build') return 'building the op graph';
  const share = step.total > 0 ? Math.floor((100 * step.done) / step.total) : 0;
  return `simulating, ${share}% of ${step.total.toLocaleString('en-US')} ops`;
}
