import { isAscii } from 'node:buffer';
import { TextDecoder } from 'node:util';
import type { FieldError } from '../errors/domain-error.js';

/**
 * The one text decoder of every upload (imports, bank statements): UTF-8 with or without a BOM, or GB18030, which
 * also reads GBK and GB2312 (what Excel on a Chinese Windows machine saves as "CSV").
 */
export type SheetEncoding = 'UTF-8' | 'GB18030';

/** Bytes looked at after the first non-ASCII byte before deciding between UTF-8 and GB18030. */
export const SNIFF_BYTES = 4096;

/** A file that cannot be read at all (bad bytes, no header, missing columns): nothing of it is used. */
export class SheetFileError extends Error {
  constructor(
    readonly detail: string,
    readonly errors: FieldError[],
  ) {
    super(detail);
  }
}

/** 'utf8' → 'UTF-8'; 'GBK', 'gb2312', 'gb18030' → 'GB18030'; anything else → undefined. */
export function sheetEncoding(name: string): SheetEncoding | undefined {
  const n = name.trim().toLowerCase();
  if (n === 'utf-8' || n === 'utf8') return 'UTF-8';
  if (n === 'gb18030' || n === 'gbk' || n === 'gb2312') return 'GB18030';
  return undefined;
}

/**
 * Streaming decoder with detection: a UTF-8 BOM means UTF-8; otherwise ASCII passes through until the first
 * non-ASCII byte, and the next SNIFF_BYTES decide: valid UTF-8 → UTF-8, else GB18030 (ASCII reads the same in
 * both, so nothing before that point depends on the choice). Undecodable bytes become U+FFFD, which the readers
 * refuse with the line they are on.
 */
export class SheetDecoder {
  private decoder: TextDecoder | undefined;
  private encoding: SheetEncoding | undefined;
  private head: Buffer[] = [];
  private headBytes = 0;
  private bomChecked = false;

  constructor(private readonly explicit: SheetEncoding | undefined) {}

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
      throw new SheetFileError(
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

  private start(encoding: SheetEncoding, bytes: Buffer, final: boolean): string {
    this.encoding = encoding;
    this.decoder = new TextDecoder(encoding === 'UTF-8' ? 'utf-8' : 'gb18030');
    const text = this.decoder.decode(bytes, { stream: true });
    return final ? text + this.decoder.decode() : text;
  }
}

/**
 * A whole upload as text: the encoding detected (or given), a BOM (UTF-8's, or GB18030's U+FEFF) dropped, and a
 * line holding an undecodable byte refused by number.
 */
export function decodeSheetText(
  bytes: Uint8Array,
  explicit?: SheetEncoding,
): { text: string; encoding: SheetEncoding } {
  const d = new SheetDecoder(explicit);
  let text = d.push(bytes) + d.end();
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const bad = text.indexOf('\uFFFD');
  if (bad >= 0) {
    const line = text.slice(0, bad).split(/\r\n|\r|\n/).length;
    throw new SheetFileError(`line ${line} is not valid ${d.name()}`, [
      {
        field: 'encoding',
        code: 'ENCODING',
        message: `line ${line} holds bytes that are not valid ${d.name()}; save the file as CSV UTF-8 or as GBK CSV`,
        params: { line },
      },
    ]);
  }
  return { text, encoding: d.name() as SheetEncoding };
}
