/**
 * A label bundle's JSON header read byte by byte, without ever holding its `images` list: that one
 * array grows with the set (tens of MB at ImageNet size), everything else is a few KB. The scanner
 * tracks only JSON's structure (nesting, strings, escapes, the top object's keys); each element of the
 * top-level `images` array is parsed on its own as it completes, and the rest of the header is kept as
 * text with `"images":[]` in place of the list, to be parsed once at the end. Syntax errors inside an
 * element or in the rest surface from JSON.parse, so the scanner itself checks little.
 */

const enum Byte {
  Quote = 0x22,
  Backslash = 0x5c,
  Comma = 0x2c,
  Colon = 0x3a,
  OpenBrace = 0x7b,
  CloseBrace = 0x7d,
  OpenBracket = 0x5b,
  CloseBracket = 0x5d,
}

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** A growable byte buffer. */
class Bytes {
  a = new Uint8Array(256);
  n = 0;
  push(b: number): void {
    if (this.n === this.a.length) {
      const grown = new Uint8Array(this.a.length * 2);
      grown.set(this.a);
      this.a = grown;
    }
    this.a[this.n++] = b;
  }
  view(): Uint8Array {
    return this.a.subarray(0, this.n);
  }
}

/** Thrown (and kept) for a header that is not JSON; the message is what JSON.parse said. */
export class HeaderSyntaxError extends Error {}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new HeaderSyntaxError((e as Error).message);
  }
}

export class BundleHeaderScanner {
  private readonly rest = new Bytes();
  private readonly element = new Bytes();
  private key: Bytes | null = null;
  private depth = 0;
  private inString = false;
  private escape = false;
  private topIsObject = false;
  private started = false;
  private expectKey = false;
  private lastKey: unknown = undefined;
  private keyDone = false;
  private imagesNext = false;
  private inImages = false;
  private imagesSeen = false;
  private afterComma = false;
  private count = 0;

  /** `onImage(value, i)` gets each element of the top-level `images` array, parsed, in order. */
  constructor(private readonly onImage: (value: unknown, i: number) => void) {}

  /** Feeds the next header bytes. Throws HeaderSyntaxError for an element that is not JSON. */
  push(bytes: Uint8Array): void {
    for (let j = 0; j < bytes.length; j++) {
      if (this.inImages) this.imagesByte(bytes[j]);
      else this.restByte(bytes[j]);
    }
  }

  /** The header without its images (`images: []` where the list was), parsed; throws HeaderSyntaxError. */
  finish(): unknown {
    return parseJson(this.rest.view());
  }

  private restByte(b: number): void {
    this.rest.push(b);
    if (this.inString) {
      this.key?.push(b);
      if (this.escape) this.escape = false;
      else if (b === Byte.Backslash) this.escape = true;
      else if (b === Byte.Quote) {
        this.inString = false;
        if (this.key) {
          // Parsed, so an escaped spelling of "images" is the same key.
          try {
            this.lastKey = parseJson(this.key.view());
          } catch {
            this.lastKey = undefined;
          }
          this.key = null;
          this.keyDone = true;
        }
      }
      return;
    }
    if (isSpace(b)) return;
    const topLevel = this.depth === 1 && this.topIsObject;
    if (this.imagesNext && topLevel) {
      this.imagesNext = false;
      if (b === Byte.OpenBracket) {
        if (this.imagesSeen) throw new HeaderSyntaxError('the header has two "images" lists');
        this.imagesSeen = true;
        this.inImages = true;
        this.afterComma = false;
        this.depth++;
        return;
      }
    }
    switch (b) {
      case Byte.Quote:
        this.inString = true;
        if (topLevel && this.expectKey) {
          this.key = new Bytes();
          this.key.push(b);
        }
        this.expectKey = false;
        break;
      case Byte.OpenBrace:
      case Byte.OpenBracket:
        if (this.depth === 0 && !this.started) this.topIsObject = b === Byte.OpenBrace;
        this.started = true;
        this.depth++;
        if (this.depth === 1 && this.topIsObject) this.expectKey = true;
        break;
      case Byte.CloseBrace:
      case Byte.CloseBracket:
        this.depth--;
        break;
      case Byte.Comma:
        if (topLevel) this.expectKey = true;
        break;
      case Byte.Colon:
        if (topLevel && this.keyDone) this.imagesNext = this.lastKey === 'images';
        break;
    }
    if (b !== Byte.Quote) this.keyDone = false;
  }

  private imagesByte(b: number): void {
    if (this.inString) {
      this.element.push(b);
      if (this.escape) this.escape = false;
      else if (b === Byte.Backslash) this.escape = true;
      else if (b === Byte.Quote) this.inString = false;
      return;
    }
    // Directly inside the list (depth 2): commas and the closing bracket end an element.
    if (this.depth === 2 && (b === Byte.Comma || b === Byte.CloseBracket)) {
      this.endElement(b === Byte.Comma || this.afterComma);
      this.afterComma = b === Byte.Comma;
      if (b === Byte.CloseBracket) {
        this.depth--;
        this.inImages = false;
        this.rest.push(b);
      }
      return;
    }
    if (this.depth === 2 && b === Byte.CloseBrace)
      throw new HeaderSyntaxError("unexpected '}' in the images list");
    if (b === Byte.Quote) this.inString = true;
    else if (b === Byte.OpenBrace || b === Byte.OpenBracket) this.depth++;
    else if (b === Byte.CloseBrace || b === Byte.CloseBracket) this.depth--;
    this.element.push(b);
  }

  private endElement(required: boolean): void {
    const bytes = this.element.view();
    let empty = true;
    for (let j = 0; j < bytes.length && empty; j++) empty = isSpace(bytes[j]);
    this.element.n = 0;
    if (empty) {
      if (required) throw new HeaderSyntaxError(`images[${this.count}] is empty`);
      return;
    }
    this.onImage(parseJson(bytes), this.count++);
  }
}
