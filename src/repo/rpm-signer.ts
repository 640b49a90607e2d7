// Adds an OpenPGP header signature to an RPM in-process, as `rpmsign --addsign` (rpm >= 4.16)
// does: sign the main header's bytes, insert RPMSIGTAG_RSA (or _DSA for non-RSA keys) into the
// signature header and shrink the reserved space so the signature header keeps its size. The
// payload and <rpm:header-range> are untouched. The input buffer is not modified.
import { parseHeader, RpmFormatError, SIGTAG } from './rpm-header-reader.js';
import { signDetachedBinary } from './signing-key.js';
import type { SigningKey } from './signing-key.js';

const LEAD = 96;
const REGION_SIGNATURES = 62;
const ALIGN: Record<number, number> = { 3: 2, 4: 4, 5: 8 };
const WIDTH: Record<number, number> = { 2: 1, 3: 2, 4: 4, 5: 8 };

interface Entry {
  tag: number;
  type: number;
  off: number;
  count: number;
  data?: Buffer;
}

export async function signRpm(rpm: Buffer, key: SigningKey): Promise<Buffer> {
  const sig = parseHeader(rpm, LEAD);
  if (!('tags' in sig)) throw new RpmFormatError('file is truncated in its signature header');
  const n = rpm.readUInt32BE(LEAD + 8);
  const hsize = rpm.readUInt32BE(LEAD + 12);
  const store = LEAD + 16 + n * 16;
  const sigEnd = store + hsize;
  const hdrStart = sigEnd + ((8 - (sigEnd % 8)) % 8);
  const hdr = parseHeader(rpm, hdrStart);
  if (!('tags' in hdr)) throw new RpmFormatError('file is truncated in its main header');
  const entries: Entry[] = [];
  for (let i = 0; i < n; i++) {
    const e = LEAD + 16 + i * 16;
    entries.push({
      tag: rpm.readUInt32BE(e),
      type: rpm.readUInt32BE(e + 4),
      off: rpm.readUInt32BE(e + 8),
      count: rpm.readUInt32BE(e + 12),
    });
  }
  if (entries.some((e) => e.tag === SIGTAG.RSA || e.tag === SIGTAG.DSA)) {
    throw new RpmFormatError('the package is already signed');
  }
  if (!entries.some((e) => e.tag === SIGTAG.RESERVED)) {
    throw new RpmFormatError('the package has no reserved space for a signature (built by rpm < 4.14?)');
  }
  const signature = await signDetachedBinary(rpm.subarray(hdr.start, hdr.end), key);
  const sigTag = key.privateKey.getAlgorithmInfo().algorithm.startsWith('rsa') ? SIGTAG.RSA : SIGTAG.DSA;
  const dataOf = (e: Entry): Buffer => {
    const at = store + e.off;
    if (e.type === 6) return rpm.subarray(at, rpm.indexOf(0, at) + 1);
    if (e.type === 7) return rpm.subarray(at, at + e.count);
    return rpm.subarray(at, at + e.count * (WIDTH[e.type] ?? 1));
  };
  const kept: Entry[] = [
    ...entries
      .filter((e) => e.tag !== REGION_SIGNATURES && e.tag !== SIGTAG.RESERVED)
      .map((e) => ({ ...e, data: dataOf(e) })),
    { tag: sigTag, type: 7, off: 0, count: signature.length, data: signature },
  ].sort((a, b) => a.tag - b.tag);
  const newN = n + 1;
  const newHsize = hsize - 16; // the index grows by one entry, the store shrinks by as much
  const out = Buffer.alloc(newHsize);
  let p = 0;
  for (const e of kept) {
    const a = ALIGN[e.type] ?? 1;
    p = (p + a - 1) & ~(a - 1);
    e.off = p;
    e.data?.copy(out, p);
    p += e.data?.length ?? 0;
  }
  const reserved = newHsize - 16 - p;
  if (reserved < 0) throw new RpmFormatError('the signature does not fit into the reserved space');
  kept.push({ tag: SIGTAG.RESERVED, type: 7, off: p, count: reserved });
  p += reserved;
  out.writeUInt32BE(REGION_SIGNATURES, p);
  out.writeUInt32BE(7, p + 4);
  out.writeInt32BE(-(newN * 16), p + 8);
  out.writeUInt32BE(16, p + 12);
  const all = [{ tag: REGION_SIGNATURES, type: 7, off: p, count: 16 }, ...kept.sort((a, b) => a.tag - b.tag)];
  const index = Buffer.alloc(16 + newN * 16);
  rpm.copy(index, 0, LEAD, LEAD + 8);
  index.writeUInt32BE(newN, 8);
  index.writeUInt32BE(newHsize, 12);
  all.forEach((e, i) => {
    const o = 16 + i * 16;
    index.writeUInt32BE(e.tag, o);
    index.writeUInt32BE(e.type, o + 4);
    index.writeUInt32BE(e.off, o + 8);
    index.writeUInt32BE(e.count, o + 12);
  });
  return Buffer.concat([rpm.subarray(0, LEAD), index, out, rpm.subarray(sigEnd)]);
}
