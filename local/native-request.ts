// What the library's HttpRequest reads of the fetch Request underneath it (its `nativeRequest`),
// for a request whose body has already been read into memory. The Functions library would build a
// web-standard Request per call (headers guard, a web stream around the body, URL parsing); this
// answers the same calls from the bytes and headers it was given, and builds a real Request only
// for what it does not answer itself (the body as a stream, blob, formData). About a twentieth of
// the host's CPU per webhook call went into that Request.

const decoder = new TextDecoder(); // UTF-8, a leading BOM dropped, bad bytes as U+FFFD: as fetch's text()

export class NativeRequest {
  readonly url: string;
  readonly headers: Headers;
  private used = false;
  private real: Request | undefined;

  constructor(
    url: string,
    readonly method: string,
    headers: Record<string, string>,
    /** Undefined for GET and HEAD, which carry no body (as the library does). */
    private readonly bytes: Buffer | undefined,
  ) {
    this.url = new URL(url).href;
    this.headers = new Headers(headers);
  }

  /** The real Request, for what only it can do; from then on it holds the body's state. */
  private native(): Request {
    if (!this.real) {
      if (this.used) throw new TypeError('Body is unusable: Body has already been read');
      this.real = new Request(this.url, { method: this.method, headers: this.headers, body: this.bytes });
    }
    return this.real;
  }

  get body(): ReadableStream<Uint8Array> | null {
    return this.bytes === undefined && !this.real ? null : this.native().body;
  }

  get bodyUsed(): boolean {
    return this.real ? this.real.bodyUsed : this.used;
  }

  /** The body's bytes, once (a second read fails, as a Request's does). */
  private take(): Buffer {
    if (this.bytes === undefined) return Buffer.alloc(0);
    if (this.used) throw new TypeError('Body is unusable: Body has already been read');
    this.used = true;
    return this.bytes;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    if (this.real) return this.real.arrayBuffer();
    const b = this.take();
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }

  async text(): Promise<string> {
    if (this.real) return this.real.text();
    return decoder.decode(this.take());
  }

  async json(): Promise<unknown> {
    if (this.real) return this.real.json();
    return JSON.parse(decoder.decode(this.take()));
  }

  async blob(): Promise<Blob> {
    return this.native().blob();
  }

  async formData(): Promise<FormData> {
    return this.native().formData();
  }

  clone(): NativeRequest | Request {
    if (this.real) return this.real.clone();
    if (this.used) throw new TypeError('Body is unusable: Body has already been read');
    return new NativeRequest(this.url, this.method, Object.fromEntries(this.headers), this.bytes);
  }
}
