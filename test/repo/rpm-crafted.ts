// Hand-made RPM files whose headers claim more than they hold: what an attacker uploads to make
// a reader allocate gigabytes. Only the structure rpm's header format defines, no real package.

export interface CraftedEntry {
  tag: number;
  type: number;
  offset: number;
  count: number;
}

/** Lead, an empty signature header, then a main header with the given index and store. */
export function craftedRpm(entries: CraftedEntry[], store: Buffer, nindex = entries.length): Buffer {
  const lead = Buffer.alloc(96);
  lead.writeUInt32BE(0xedabeedb, 0);
  const header = (n: number, index: CraftedEntry[], data: Buffer): Buffer => {
    const intro = Buffer.alloc(16);
    intro.writeUInt32BE(0x8eade801, 0);
    intro.writeUInt32BE(n, 8);
    intro.writeUInt32BE(data.length, 12);
    const idx = Buffer.alloc(index.length * 16);
    index.forEach((e, i) => {
      idx.writeUInt32BE(e.tag, i * 16);
      idx.writeUInt32BE(e.type, i * 16 + 4);
      idx.writeInt32BE(e.offset, i * 16 + 8);
      idx.writeUInt32BE(e.count, i * 16 + 12);
    });
    return Buffer.concat([intro, idx, data]);
  };
  const sig = header(0, [], Buffer.alloc(0)); // 16 bytes: the main header starts 8-aligned
  return Buffer.concat([lead, sig, header(nindex, entries, store)]);
}

/** ~1 MiB: 65,535 INT32 entries that all point at the same 64 KiB of data. */
export function overlappingRpm(): Buffer {
  const entries = Array.from({ length: 65_535 }, (_, i) => ({
    tag: 1000 + i,
    type: 4,
    offset: 0,
    count: 16_384,
  }));
  return craftedRpm(entries, Buffer.alloc(65_536));
}
