// RecordIO as Mesos frames its streams: `<length>\n<bytes>` repeated, the length counted in
// bytes (UTF-8), so frames are cut from the bytes and only whole records are decoded as text.
export class RecordReader {
  private buf = new Uint8Array(0);
  private readonly decoder = new TextDecoder();

  /** Adds a chunk of the stream; returns the records it completed, in order. */
  push(chunk: Uint8Array): string[] {
    const joined = new Uint8Array(this.buf.length + chunk.length);
    joined.set(this.buf);
    joined.set(chunk, this.buf.length);
    const out: string[] = [];
    let at = 0;
    for (;;) {
      const nl = joined.indexOf(0x0a, at);
      if (nl < 0) break;
      const len = Number(this.decoder.decode(joined.subarray(at, nl)));
      if (!Number.isSafeInteger(len) || len < 0) throw new Error('RecordIO: bad record length');
      if (joined.length < nl + 1 + len) break;
      out.push(this.decoder.decode(joined.subarray(nl + 1, nl + 1 + len)));
      at = nl + 1 + len;
    }
    this.buf = joined.slice(at);
    return out;
  }
}
