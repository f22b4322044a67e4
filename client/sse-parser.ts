/**
 * The text/event-stream parser (the WHATWG rules that matter here: lines end in LF, CR or CRLF; `:`
 * lines are comments; a blank line dispatches what has data). No imports: the API client's follow
 * (client/sse.ts) and the dashboard (ui/src/lib/api.ts, which reads the stream with fetch because
 * EventSource cannot send an Authorization header) share it.
 */
export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/** Incremental parser: feed it text as it arrives, it hands back complete events. */
export class SseParser {
  private buffer = '';
  private id: string | undefined;
  private event = '';
  private data: string[] = [];
  /** The last `id:` seen (what Last-Event-ID must be on reconnect). */
  lastEventId: string | undefined;
  retryMs: number | undefined;

  push(text: string): SseEvent[] {
    this.buffer += text;
    const out: SseEvent[] = [];
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buffer);
      if (!m) break;
      // A lone \r at the very end may be the first half of \r\n: wait for more.
      if (m[0] === '\r' && m.index === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      const ev = this.line(line);
      if (ev) out.push(ev);
    }
    return out;
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') {
      if (this.data.length === 0) {
        this.event = '';
        return undefined;
      }
      const ev: SseEvent = {
        event: this.event || 'message',
        data: this.data.join('\n'),
        ...(this.id !== undefined ? { id: this.id } : {}),
      };
      this.event = '';
      this.data = [];
      this.id = undefined;
      return ev;
    }
    if (line.startsWith(':')) return undefined; // a comment (keep-alive)
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    let value = i < 0 ? '' : line.slice(i + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.id = this.lastEventId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    return undefined;
  }
}
