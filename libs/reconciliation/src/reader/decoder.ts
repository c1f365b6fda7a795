import { isAscii } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { SNIFF_BYTES, StatementFileError, type StatementEncoding } from './types.js';

/**
 * Streaming decoder with detection: a UTF-8 BOM means UTF-8; otherwise ASCII passes through until the first
 * non-ASCII byte, and the next SNIFF_BYTES decide: valid UTF-8 → UTF-8, else GB18030 (ASCII reads the same in
 * both, so nothing before that point depends on the choice). Undecodable bytes become U+FFFD, which the reader
 * refuses with the line they are on.
 */
export class StatementDecoder {
  private decoder: TextDecoder | undefined;
  private encoding: StatementEncoding | undefined;
  private head: Buffer[] = [];
  private headBytes = 0;
  private bomChecked = false;

  constructor(private readonly explicit: StatementEncoding | undefined) {}

  name(): string {
    return this.encoding ?? 'UTF-8';
  }

  push(chunk: Uint8Array): string {
    if (this.decoder) return this.decoder.decode(chunk, { stream: true });
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (!this.bomChecked) {
      this.hold(bytes);
      if (this.headBytes < 3) return '';
      return this.afterBom(this.take(), false);
    }
    return this.sniff(bytes, false);
  }

  end(): string {
    if (!this.bomChecked) return this.afterBom(this.take(), true);
    if (!this.decoder) return this.sniff(Buffer.alloc(0), true);
    return this.decoder.decode();
  }

  private hold(bytes: Buffer): void {
    this.head.push(bytes);
    this.headBytes += bytes.length;
  }

  private take(): Buffer {
    const all = Buffer.concat(this.head, this.headBytes);
    this.head = [];
    this.headBytes = 0;
    return all;
  }

  private afterBom(bytes: Buffer, final: boolean): string {
    this.bomChecked = true;
    const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    if (bom && this.explicit === 'GB18030')
      throw new StatementFileError(
        'the file starts with a UTF-8 byte-order mark but encoding GB18030 was given',
        [
          {
            field: 'encoding',
            code: 'ENCODING_MISMATCH',
            message: 'the file is UTF-8 (it starts with a UTF-8 BOM): leave encoding out or give utf-8',
          },
        ],
      );
    const chosen = bom ? 'UTF-8' : this.explicit;
    if (chosen) return this.start(chosen, bytes, final);
    return this.sniff(bytes, final);
  }

  /** Undecided: pass ASCII through; from the first non-ASCII byte hold SNIFF_BYTES (or the rest), then decide. */
  private sniff(bytes: Buffer, final: boolean): string {
    let text = '';
    if (this.headBytes === 0) {
      if (isAscii(bytes)) {
        if (!final) return bytes.toString('latin1');
        text = bytes.toString('latin1');
        bytes = Buffer.alloc(0);
      } else {
        let i = 0;
        while (bytes[i] < 0x80) i++;
        text = bytes.toString('latin1', 0, i);
        bytes = bytes.subarray(i);
      }
    }
    if (bytes.length) this.hold(bytes);
    if (!final && this.headBytes < SNIFF_BYTES) return text;
    const sample = this.take();
    let utf8 = true;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: !final });
    } catch {
      utf8 = false;
    }
    return text + this.start(utf8 ? 'UTF-8' : 'GB18030', sample, final);
  }

  private start(encoding: StatementEncoding, bytes: Buffer, final: boolean): string {
    this.encoding = encoding;
    this.decoder = new TextDecoder(encoding === 'UTF-8' ? 'utf-8' : 'gb18030');
    const text = this.decoder.decode(bytes, { stream: true });
    return final ? text + this.decoder.decode() : text;
  }
}
