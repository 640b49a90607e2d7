// The few pieces of ASN.1 DER that hiera-eyaml's PKCS7 format needs: reading an EnvelopedData
// and an X.509 certificate's issuer and serial, and writing both. Only definite lengths (DER).

/** One DER element: its tag byte, the whole encoding and the content. */
export interface DerNode {
  tag: number;
  /** The complete encoding (tag, length and content). */
  raw: Buffer;
  content: Buffer;
}

export class DerError extends Error {}

/**
 * An element as offsets into the buffer it was read from: walking an EnvelopedData touches a
 * dozen elements per block, and a Buffer view for each (a typed array, costly to create) is made
 * only when `raw` or `content` is asked for.
 */
class DerElement implements DerNode {
  constructor(
    readonly tag: number,
    readonly buf: Buffer,
    readonly start: number,
    readonly contentStart: number,
    readonly end: number,
  ) {}

  get raw(): Buffer {
    return this.buf.subarray(this.start, this.end);
  }

  get content(): Buffer {
    return this.buf.subarray(this.contentStart, this.end);
  }
}

/** Reads one element at `offset`; throws DerError when the bytes are not DER. */
export function readDer(buf: Buffer, offset = 0): DerNode {
  return readAt(buf, offset, buf.length);
}

/** The element at `offset` of `buf`, which must end by `limit`. */
function readAt(buf: Buffer, offset: number, limit: number): DerElement {
  if (offset + 2 > limit) throw new DerError('truncated element');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not used here');
  let len = buf[offset + 1]!;
  let head = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new DerError('indefinite or oversized length');
    if (offset + 2 + n > limit) throw new DerError('truncated length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[offset + 2 + i]!;
    head += n;
  }
  const end = offset + head + len;
  if (end > limit) throw new DerError('truncated content');
  return new DerElement(tag, buf, offset, offset + head, end);
}

function element(node: DerNode): DerElement {
  if (node instanceof DerElement) return node;
  const raw = node.raw;
  return new DerElement(node.tag, raw, 0, raw.length - node.content.length, raw.length);
}

/** The elements inside a constructed element. */
export function children(node: DerNode): DerNode[] {
  const e = element(node);
  const out: DerNode[] = [];
  let off = e.contentStart;
  while (off < e.end) {
    const c = readAt(e.buf, off, e.end);
    out.push(c);
    off = c.end;
  }
  return out;
}

/** The i-th element inside a constructed element; all of them must be well formed. */
export function child(node: DerNode, i: number): DerNode {
  const e = element(node);
  let found: DerElement | undefined;
  let off = e.contentStart;
  for (let k = 0; off < e.end; k++) {
    const c = readAt(e.buf, off, e.end);
    if (k === i) found = c;
    off = c.end;
  }
  return found ?? fail();
}

export function fail(): never {
  throw new DerError('missing element');
}

/** Reads exactly one element filling `buf`. */
export function readWhole(buf: Buffer): DerNode {
  const n = readAt(buf, 0, buf.length);
  if (n.end !== buf.length) throw new DerError('trailing bytes after the element');
  return n;
}

export function oidText(node: DerNode): string {
  if (node.tag !== 0x06) throw new DerError('expected an OBJECT IDENTIFIER');
  const b = node.content;
  if (b.length === 0) throw new DerError('empty OBJECT IDENTIFIER');
  const parts: number[] = [Math.floor(b[0]! / 40), b[0]! % 40];
  let v = 0;
  for (let i = 1; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if (!(b[i]! & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n = Math.floor(n / 256);
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function der(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
}

export const seq = (...c: Buffer[]): Buffer => der(0x30, ...c);
export const set = (...c: Buffer[]): Buffer => der(0x31, ...c);
export const octets = (b: Buffer): Buffer => der(0x04, b);
export const nullValue = (): Buffer => Buffer.from([0x05, 0x00]);

export function integer(n: number): Buffer {
  const bytes: number[] = [];
  do {
    bytes.unshift(n & 0xff);
    n = Math.floor(n / 256);
  } while (n > 0);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return der(0x02, Buffer.from(bytes));
}

export function oid(text: string): Buffer {
  const p = text.split('.').map(Number);
  const bytes: number[] = [p[0]! * 40 + p[1]!];
  for (const n of p.slice(2)) {
    const sub: number[] = [n & 0x7f];
    let v = Math.floor(n / 128);
    while (v > 0) {
      sub.unshift((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    bytes.push(...sub);
  }
  return der(0x06, Buffer.from(bytes));
}
