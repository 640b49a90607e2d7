// Reads an upstream's repodata: the files repomd.xml names and the packages primary.xml lists.
// Only what a mirror needs (locations, sizes, sha256 digests, names); the mirror's own repodata
// is written again from each package's header, as for uploads. Pure: no I/O.

export interface RepomdEntry {
  type: string;
  href: string;
  /** sha256 of the file as stored (compressed). */
  sha256: string;
  size?: number;
}

export interface UpstreamPackage {
  name: string;
  arch: string;
  epoch: number;
  version: string;
  release: string;
  /** Relative to the repository's base URL. */
  href: string;
  sha256: string;
  size: number;
}

/** Why a repodata document cannot be read; the caller turns it into a diagnostic. */
export class RepodataFormatError extends Error {}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const unescape = (s: string): string =>
  s.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) =>
    e.startsWith('#x')
      ? String.fromCodePoint(parseInt(e.slice(2), 16))
      : e.startsWith('#')
        ? String.fromCodePoint(Number(e.slice(1)))
        : ENTITIES[e]!,
  );

const attr = (tag: string, name: string): string | undefined => {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(tag);
  return m ? unescape(m[1] ?? m[2] ?? '') : undefined;
};

/** The first `<el ...>` start tag in `xml` (with its attributes), or undefined. */
const startTag = (xml: string, el: string): string | undefined =>
  new RegExp(`<${el}(?=[\\s/>])[^>]*>`).exec(xml)?.[0];

/** Text of the first `<el ...>text</el>` in `xml`, with its start tag. */
const element = (xml: string, el: string): { tag: string; text: string } | undefined => {
  const m = new RegExp(`(<${el}(?=[\\s>])[^>]*>)([^<]*)</${el}>`).exec(xml);
  return m ? { tag: m[1]!, text: unescape(m[2]!.trim()) } : undefined;
};

const blocks = (xml: string, el: string): string[] =>
  [...xml.matchAll(new RegExp(`<${el}(?=[\\s>])[\\s\\S]*?</${el}>`, 'g'))].map((m) => m[0]);

/** A relative, normalised location inside the repository; never `..` or absolute. */
function safeHref(href: string | undefined, what: string): string {
  if (!href) throw new RepodataFormatError(`${what} has no location href`);
  const parts = href.split('/');
  if (
    href.startsWith('/') ||
    /^[a-z][a-z0-9+.-]*:/i.test(href) ||
    parts.some((p) => p === '..' || p === '')
  ) {
    throw new RepodataFormatError(`${what} has location '${href}' outside the repository`);
  }
  return href;
}

function sha256Of(block: string, el: string, what: string): string {
  const c = element(block, el);
  if (!c) throw new RepodataFormatError(`${what} has no ${el}`);
  const type = attr(c.tag, 'type');
  if (type !== 'sha256') {
    throw new RepodataFormatError(`${what} names a ${type ?? 'untyped'} checksum; Aare mirrors sha256 only`);
  }
  if (!/^[0-9a-f]{64}$/.test(c.text)) throw new RepodataFormatError(`${what} has a malformed sha256`);
  return c.text;
}

export function parseRepomd(xml: string): RepomdEntry[] {
  if (!/<repomd[\s>]/.test(xml)) throw new RepodataFormatError('repomd.xml has no <repomd> element');
  return blocks(xml, 'data').map((b) => {
    const type = attr(startTag(b, 'data')!, 'type') ?? '';
    const what = `repomd.xml entry '${type}'`;
    const size = element(b, 'size')?.text;
    return {
      type,
      href: safeHref(attr(startTag(b, 'location') ?? '', 'href'), what),
      sha256: sha256Of(b, 'checksum', what),
      size: size && /^\d+$/.test(size) ? Number(size) : undefined,
    };
  });
}

export function parsePrimary(xml: string): UpstreamPackage[] {
  if (!/<metadata[\s>]/.test(xml)) throw new RepodataFormatError('primary.xml has no <metadata> element');
  return blocks(xml, 'package').map((b, i) => {
    const name = element(b, 'name')?.text ?? '';
    const what = `primary.xml package ${name || `#${i + 1}`}`;
    const v = startTag(b, 'version') ?? '';
    const size = Number(attr(startTag(b, 'size') ?? '', 'package'));
    const p: UpstreamPackage = {
      name,
      arch: element(b, 'arch')?.text ?? '',
      epoch: Number(attr(v, 'epoch') ?? '0'),
      version: attr(v, 'ver') ?? '',
      release: attr(v, 'rel') ?? '',
      href: safeHref(attr(startTag(b, 'location') ?? '', 'href'), what),
      sha256: sha256Of(b, 'checksum', what),
      size,
    };
    if (!p.name || !p.arch || !p.version || !p.release || !Number.isInteger(p.epoch)) {
      throw new RepodataFormatError(`${what} lacks its name, arch or version`);
    }
    if (!Number.isSafeInteger(size) || size < 0) throw new RepodataFormatError(`${what} has no package size`);
    if (attr(startTag(b, 'location') ?? '', 'xml:base') !== undefined) {
      throw new RepodataFormatError(`${what} lives on another server (xml:base); Aare mirrors one base URL`);
    }
    return p;
  });
}
