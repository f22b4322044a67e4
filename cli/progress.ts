import type { Io } from './output';

/** A spinner on a TTY (stderr), plain lines otherwise. Stream lines go between its redraws. */
export class Progress {
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private text = '';
  private shown = false;
  private readonly started = Date.now();
  constructor(
    private readonly io: Io,
    private readonly tty: boolean,
  ) {}

  start(text: string): void {
    this.text = text;
    if (!this.tty) {
      this.io.err.write(`${text}\n`);
      return;
    }
    this.timer = setInterval(() => this.draw(), 100);
    this.timer.unref();
    this.draw();
  }

  update(text: string): void {
    if (text === this.text) return;
    this.text = text;
    if (!this.tty) this.io.err.write(`${text}\n`);
  }

  private draw(): void {
    const frames = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
    const secs = ((Date.now() - this.started) / 1000).toFixed(1);
    this.io.err.write(`\r\x1b[2K${frames[this.frame++ % frames.length]} ${this.text} (${secs} s)`);
    this.shown = true;
  }

  /** Write a line above the spinner. */
  line(s: string): void {
    if (this.tty && this.shown) this.io.err.write('\r\x1b[2K');
    this.io.out.write(`${s}\n`);
    if (this.tty && this.timer) this.draw();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.tty && this.shown) this.io.err.write('\r\x1b[2K');
    this.shown = false;
  }
}
