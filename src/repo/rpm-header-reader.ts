// Reads an RPM file's lead, signature header and main header in-process, and digests the file
// and its payload in one streaming pass. Malformed input is a RpmFormatError (a user mistake),
// never a RangeError from reading past a buffer.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

const LEAD_MAGIC = 0xedabeedb;
const HEADER_MAGIC = 0x8eade801;
const LEAD_SIZE = 96;

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

/**
 * Hard limits on one header. They are checked against the index before anything whose size
 * grows with them is allocated or decoded, so a crafted header costs at most its own bytes.
 */
export interface HeaderLimits {
  /** Index entries (rpm itself refuses more than 65,535). */
  maxEntries: number;
  /** Index and data store together, in bytes. */
  maxBytes: number;
  /** Values of one number or string entry (e.g. the file names of one package). */
  maxCount: number;
  /** Values of all number and string entries of the header together. */
  maxTotalCount: number;
}

/**
 * Room for packages with a few hundred thousand files (their headers are some MiB) while one
 * header costs at most a few tens of MiB once decoded.
 */
export const DEFAULT_HEADER_LIMITS: Readonly<HeaderLimits> = {
  maxEntries: 65_535,
  maxBytes: 32 * 1024 * 1024,
  maxCount: 1_048_576,
  maxTotalCount: 4_194_304,
};

/** The file is not a well-formed RPM; the message says what is wrong, for the user. */
export class RpmFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RpmFormatError';
  }
}

/** The header exceeds one of the {@link HeaderLimits}; the message names the limit. */
export class RpmLimitError extends RpmFormatError {
  constructor(message: string) {
    super(message);
    this.name = 'RpmLimitError';
  }
}

/** Bytes per value of the fixed-width types (CHAR, INT8, INT16, INT32, INT64). */
const WIDTH: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8 };
/** Types whose values become JavaScript arrays (numbers or strings), so their count costs memory. */
const DECODED_AS_ARRAY = new Set([2, 3, 4, 5, 6, 8, 9]);

interface Entry {
  tag: number;
  type: number;
  at: number;
  count: number;
}

/**
 * Parses one header structure at `off`; `need` says how many bytes it requires when buf is short.
 * Every entry's data must lie inside the store and the entries' data together must fit in it:
 * rpm never shares data between entries, and sharing is how a small header would claim
 * gigabytes of values.
 */
export function parseHeader(
  buf: Buffer,
  off: number,
  limits: Readonly<HeaderLimits> = DEFAULT_HEADER_LIMITS,
): RpmHeader | { need: number } {
  if (off + 16 > buf.length) return { need: off + 16 };
  if (buf.readUInt32BE(off) !== HEADER_MAGIC) throw new RpmFormatError(`bad header magic at byte ${off}`);
  const nindex = buf.readUInt32BE(off + 8);
  const hsize = buf.readUInt32BE(off + 12);
  if (nindex > limits.maxEntries) {
    throw new RpmLimitError(
      `header at byte ${off} has ${nindex} index entries; Aare reads at most ${limits.maxEntries}`,
    );
  }
  const store = off + 16 + nindex * 16;
  const end = store + hsize;
  if (end - off > limits.maxBytes) {
    throw new RpmLimitError(
      `header at byte ${off} is ${end - off} bytes (index and data); Aare reads at most ${limits.maxBytes}`,
    );
  }
  if (end > buf.length) return { need: end };
  const entries: Entry[] = [];
  let claimed = 0;
  let values = 0;
  for (let i = 0; i < nindex; i++) {
    const e = off + 16 + i * 16;
    const tag = buf.readUInt32BE(e);
    const type = buf.readUInt32BE(e + 4);
    const rel = buf.readInt32BE(e + 8);
    const count = buf.readUInt32BE(e + 12);
    const at = store + rel;
    if (rel < 0 || at > end) {
      if (tag >= 61 && tag <= 64) continue; // region trailers point backwards by design
      throw new RpmFormatError(`header entry ${tag} points outside its header`);
    }
    if (DECODED_AS_ARRAY.has(type)) {
      if (count > limits.maxCount) {
        throw new RpmLimitError(
          `header entry ${tag} at byte ${e} holds ${count} values; Aare reads at most ${limits.maxCount} per entry`,
        );
      }
      values += count;
      if (values > limits.maxTotalCount) {
        throw new RpmLimitError(
          `header at byte ${off} holds more than ${limits.maxTotalCount} values in its entries together; Aare reads at most that many`,
        );
      }
    }
    // strings are measured in the same pass, so scanning stops once the claim outgrows the store
    claimed += dataLength(buf, type, at, count, end, tag, hsize - claimed);
    if (claimed > hsize) {
      throw new RpmLimitError(
        `header at byte ${off}: its entries claim more data than the ${hsize} bytes it stores (entries overlap)`,
      );
    }
    entries.push({ tag, type, at, count });
  }
  const tags = new Map<number, TagValue>();
  for (const { tag, type, at, count } of entries) tags.set(tag, readValue(buf, type, at, count));
  return { tags, start: off, end };
}

/**
 * Bytes an entry's value takes, checked to lie before `end`. Scanning strings stops after
 * `budget + 1` bytes: the caller refuses the header then anyway.
 */
function dataLength(
  buf: Buffer,
  type: number,
  at: number,
  count: number,
  end: number,
  tag: number,
  budget: number,
): number {
  const width = WIDTH[type];
  if (width !== undefined || type === 7) {
    const n = (width ?? 1) * count;
    if (at + n > end) throw new RpmFormatError(`header entry ${tag} overruns its header`);
    return n;
  }
  if (type !== 6 && type !== 8 && type !== 9) return 0;
  let p = at;
  for (let k = 0; k < (type === 6 ? 1 : count); k++) {
    const z = buf.indexOf(0, p);
    if (z < 0 || z >= end) throw new RpmFormatError(`header entry ${tag} has an unterminated string`);
    p = z + 1;
    if (p - at > budget) break;
  }
  return p - at;
}

/** Decodes a value whose extent {@link dataLength} has checked. */
function readValue(buf: Buffer, type: number, at: number, count: number): TagValue {
  const fixed = (width: number, read: (o: number) => number): number[] => {
    const out = new Array<number>(count);
    for (let k = 0; k < count; k++) out[k] = read(at + width * k);
    return out;
  };
  switch (type) {
    case 2:
      return fixed(1, (o) => buf.readUInt8(o));
    case 3:
      return fixed(2, (o) => buf.readUInt16BE(o));
    case 4:
      return fixed(4, (o) => buf.readUInt32BE(o));
    case 5:
      return fixed(8, (o) => Number(buf.readBigUInt64BE(o)));
    case 6:
    case 8:
    case 9: {
      const out: string[] = [];
      let p = at;
      for (let k = 0; k < (type === 6 ? 1 : count); k++) {
        const z = buf.indexOf(0, p);
        out.push(buf.toString('utf8', p, z));
        p = z + 1;
      }
      return out;
    }
    case 7:
      return buf.subarray(at, at + count);
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
