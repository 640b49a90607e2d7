// Reads an RPM file's lead, signature header and main header in-process, and digests the file
// and its payload in one streaming pass. Malformed input is a RpmFormatError (a user mistake),
// never a RangeError from reading past a buffer.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

const LEAD_MAGIC = 0xedabeedb;
const HEADER_MAGIC = 0x8eade801;
const LEAD_SIZE = 96;
const MAX_HEADER_BYTES = 256 * 1024 * 1024;

/** Header tags Aare reads (rpmtag.h). */
export const RPMTAG = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  SUMMARY: 1004,
  DESCRIPTION: 1005,
  BUILDTIME: 1006,
  BUILDHOST: 1007,
  SIZE: 1009,
  VENDOR: 1011,
  LICENSE: 1014,
  PACKAGER: 1015,
  GROUP: 1016,
  URL: 1020,
  ARCH: 1022,
  FILEMODES: 1030,
  FILEFLAGS: 1037,
  SOURCERPM: 1044,
  ARCHIVESIZE: 1046,
  PROVIDENAME: 1047,
  REQUIREFLAGS: 1048,
  REQUIRENAME: 1049,
  REQUIREVERSION: 1050,
  CONFLICTFLAGS: 1053,
  CONFLICTNAME: 1054,
  CONFLICTVERSION: 1055,
  CHANGELOGTIME: 1080,
  CHANGELOGNAME: 1081,
  CHANGELOGTEXT: 1082,
  OBSOLETENAME: 1090,
  SOURCEPACKAGE: 1106,
  PROVIDEFLAGS: 1112,
  PROVIDEVERSION: 1113,
  OBSOLETEFLAGS: 1114,
  OBSOLETEVERSION: 1115,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
  PAYLOADDIGEST: 5092,
  PAYLOADDIGESTALGO: 5093,
  RECOMMENDNAME: 5046,
  RECOMMENDVERSION: 5047,
  RECOMMENDFLAGS: 5048,
  SUGGESTNAME: 5049,
  SUGGESTVERSION: 5050,
  SUGGESTFLAGS: 5051,
  SUPPLEMENTNAME: 5052,
  SUPPLEMENTVERSION: 5053,
  SUPPLEMENTFLAGS: 5054,
  ENHANCENAME: 5055,
  ENHANCEVERSION: 5056,
  ENHANCEFLAGS: 5057,
} as const;

/** Signature header tags (rpmtag.h, RPMSIGTAG_*). */
export const SIGTAG = {
  SIZE: 1000,
  PAYLOADSIZE: 1007,
  RESERVED: 1008,
  DSA: 267,
  RSA: 268,
  SHA1: 269,
  LONGSIZE: 270,
  SHA256: 273,
} as const;

export type TagValue = number[] | string[] | Buffer | null;

export interface RpmHeader {
  tags: Map<number, TagValue>;
  /** Byte offsets of the header (index + store) in the file. */
  start: number;
  end: number;
}

export interface RpmFile {
  size: number;
  sha256: string;
  signature: RpmHeader;
  header: RpmHeader;
  /** sha256 (hex) of the bytes after the main header: what PAYLOADDIGEST covers. */
  payloadSha256: string;
  /** The main header's bytes, which a header signature covers. */
  headerBytes: Buffer;
}

/** The file is not a well-formed RPM; the message says what is wrong, for the user. */
export class RpmFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RpmFormatError';
  }
}

/** Parses one header structure at `off`; `need` says how many bytes it requires when buf is short. */
export function parseHeader(buf: Buffer, off: number): RpmHeader | { need: number } {
  if (off + 16 > buf.length) return { need: off + 16 };
  if (buf.readUInt32BE(off) !== HEADER_MAGIC) throw new RpmFormatError(`bad header magic at byte ${off}`);
  const nindex = buf.readUInt32BE(off + 8);
  const hsize = buf.readUInt32BE(off + 12);
  const store = off + 16 + nindex * 16;
  const end = store + hsize;
  if (end - off > MAX_HEADER_BYTES) throw new RpmFormatError(`header at byte ${off} is implausibly large`);
  if (end > buf.length) return { need: end };
  const tags = new Map<number, TagValue>();
  for (let i = 0; i < nindex; i++) {
    const e = off + 16 + i * 16;
    const tag = buf.readUInt32BE(e);
    const type = buf.readUInt32BE(e + 4);
    const rel = buf.readInt32BE(e + 8);
    const count = buf.readUInt32BE(e + 12);
    const o = store + rel;
    if (rel < 0 || o > end) {
      if (tag >= 61 && tag <= 64) continue; // region trailers point backwards by design
      throw new RpmFormatError(`header entry ${tag} points outside its header`);
    }
    tags.set(tag, readValue(buf, type, o, count, end, tag));
  }
  return { tags, start: off, end };
}

function readValue(buf: Buffer, type: number, o: number, count: number, end: number, tag: number): TagValue {
  const fixed = (width: number, read: (at: number) => number): number[] => {
    if (o + width * count > end) throw new RpmFormatError(`header entry ${tag} overruns its header`);
    return Array.from({ length: count }, (_, k) => read(o + width * k));
  };
  switch (type) {
    case 2:
      return fixed(1, (at) => buf.readUInt8(at));
    case 3:
      return fixed(2, (at) => buf.readUInt16BE(at));
    case 4:
      return fixed(4, (at) => buf.readUInt32BE(at));
    case 5:
      return fixed(8, (at) => Number(buf.readBigUInt64BE(at)));
    case 6:
    case 8:
    case 9: {
      const out: string[] = [];
      let p = o;
      for (let k = 0; k < (type === 6 ? 1 : count); k++) {
        const z = buf.indexOf(0, p);
        if (z < 0 || z >= end) throw new RpmFormatError(`header entry ${tag} has an unterminated string`);
        out.push(buf.toString('utf8', p, z));
        p = z + 1;
      }
      return out;
    }
    case 7:
      if (o + count > end) throw new RpmFormatError(`header entry ${tag} overruns its header`);
      return buf.subarray(o, o + count);
    default:
      return null;
  }
}

/** Reads an RPM file: both headers, the file's sha256 and the payload's sha256. */
export async function readRpmFile(path: string): Promise<RpmFile> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    let buf = Buffer.alloc(Math.min(size, 256 * 1024));
    await fh.read(buf, 0, buf.length, 0);
    const ensure = async (n: number): Promise<void> => {
      if (n > size) throw new RpmFormatError(`file is truncated: headers need ${n} bytes, file has ${size}`);
      if (n > buf.length) {
        buf = Buffer.alloc(n);
        await fh.read(buf, 0, n, 0);
      }
    };
    if (size < LEAD_SIZE + 16 || buf.readUInt32BE(0) !== LEAD_MAGIC) {
      throw new RpmFormatError('not an RPM file (no RPM lead)');
    }
    const parse = async (off: number): Promise<RpmHeader> => {
      for (;;) {
        const h = parseHeader(buf, off);
        if ('tags' in h) return h;
        await ensure(h.need);
      }
    };
    const signature = await parse(LEAD_SIZE);
    const headerStart = signature.end + ((8 - (signature.end % 8)) % 8);
    const header = await parse(headerStart);
    const headerBytes = Buffer.from(buf.subarray(header.start, header.end));

    const whole = createHash('sha256');
    const payload = createHash('sha256');
    let pos = 0;
    for await (const chunk of fh.createReadStream({ start: 0, autoClose: false, highWaterMark: 1 << 20 })) {
      const c = chunk as Buffer;
      whole.update(c);
      const from = Math.max(0, header.end - pos);
      if (from < c.length) payload.update(from === 0 ? c : c.subarray(from));
      pos += c.length;
    }
    return {
      size,
      sha256: whole.digest('hex'),
      signature,
      header,
      payloadSha256: payload.digest('hex'),
      headerBytes,
    };
  } finally {
    await fh.close();
  }
}

export function tagString(h: RpmHeader, tag: number, fallback = ''): string {
  const v = h.tags.get(tag);
  return Array.isArray(v) && typeof v[0] === 'string' ? v[0] : fallback;
}

export function tagStrings(h: RpmHeader, tag: number): string[] {
  const v = h.tags.get(tag);
  return Array.isArray(v) && (v.length === 0 || typeof v[0] === 'string') ? (v as string[]) : [];
}

export function tagNumbers(h: RpmHeader, tag: number): number[] {
  const v = h.tags.get(tag);
  return Array.isArray(v) && (v.length === 0 || typeof v[0] === 'number') ? (v as number[]) : [];
}

export function tagNumber(h: RpmHeader, tag: number): number | undefined {
  return tagNumbers(h, tag)[0];
}

export function tagBinary(h: RpmHeader, tag: number): Buffer | undefined {
  const v = h.tags.get(tag);
  return Buffer.isBuffer(v) ? v : undefined;
}
