// IPv4 and IPv6 networks in CIDR notation: parsing with a reason when invalid, and overlap.

export interface Cidr {
  text: string;
  family: 4 | 6;
  prefix: number;
  /** First and last address of the network, as integers. */
  first: bigint;
  last: bigint;
}

export function parseCidr(text: string): { cidr?: Cidr; problem?: string } {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!m) return { problem: `'${text}' is not in CIDR notation (address/prefix, e.g. 10.20.1.0/24)` };
  const [, addr = '', prefixText = ''] = m;
  const family = addr.includes(':') ? 6 : 4;
  const bits = family === 4 ? 32 : 128;
  const value = family === 4 ? parseIpv4(addr) : parseIpv6(addr);
  if (value === undefined) return { problem: `'${addr}' is not a valid IPv${family} address` };
  const prefix = Number(prefixText);
  if (prefix > bits) return { problem: `prefix /${prefix} is longer than ${bits} bits` };
  const hostBits = BigInt(bits - prefix);
  const size = 1n << hostBits;
  const first = (value >> hostBits) << hostBits;
  if (first !== value) {
    const network = family === 4 ? formatIpv4(first) : addr;
    return { problem: `'${text}' has host bits set; the network is ${network}/${prefix}` };
  }
  return { cidr: { text, family, prefix, first, last: first + size - 1n } };
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

function parseIpv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(p);
  }
  return v;
}

function formatIpv4(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.');
}

function parseIpv6(s: string): bigint | undefined {
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const group = (h: string) => (h === '' ? [] : h.split(':'));
  const head = group(halves[0] ?? '');
  const tail = halves.length === 2 ? group(halves[1] ?? '') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  return v;
}
