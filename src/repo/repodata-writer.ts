// yum/dnf repository metadata: per-package XML fragments (made once, when a package is stored)
// and the repodata directory of a publication (primary, filelists, other, repomd.xml). The
// uncompressed XML is byte-identical to createrepo_c 0.17's for the same files, hrefs and mtimes.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { RPMTAG as T, SIGTAG, tagNumber, tagNumbers, tagString, tagStrings } from './rpm-header-reader.js';
import type { RpmFile, RpmHeader } from './rpm-header-reader.js';

const gzipAsync = promisify(gzip);

/** What a package contributes to each metadata file, plus the identity repodata needs. */
export interface PackageFragments {
  name: string;
  epoch: number;
  version: string;
  release: string;
  arch: string;
  primary: string;
  filelists: string;
  other: string;
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f]/g;
export const escapeXml = (s: unknown): string =>
  String(s ?? '')
    .replace(/[&<>"]/g, (c) => ESC[c] ?? c)
    .replace(CONTROL, '');

const FLAGS: Record<number, string> = { 2: 'LT', 4: 'GT', 8: 'EQ', 10: 'LE', 12: 'GE' };
const RPMSENSE_RPMLIB = 1 << 24;
const RPMSENSE_PRE = (1 << 6) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);

function evrAttrs(v: string | undefined): string {
  if (!v) return '';
  let e = '0';
  let rest = v;
  const c = v.indexOf(':');
  if (c > 0 && /^\d+$/.test(v.slice(0, c))) {
    e = v.slice(0, c);
    rest = v.slice(c + 1);
  }
  const dash = rest.lastIndexOf('-');
  const ver = dash >= 0 ? rest.slice(0, dash) : rest;
  const rel = dash >= 0 ? rest.slice(dash + 1) : null;
  return (
    ` epoch="${escapeXml(e)}" ver="${escapeXml(ver)}"` + (rel !== null ? ` rel="${escapeXml(rel)}"` : '')
  );
}

function deps(h: RpmHeader, kind: string, nameTag: number, flagTag: number, verTag: number, isReq = false) {
  const names = tagStrings(h, nameTag);
  const flags = tagNumbers(h, flagTag);
  const vers = tagStrings(h, verTag);
  const out: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < names.length; i++) {
    const name = names[i] ?? '';
    const f = flags[i] ?? 0;
    if (isReq && (f & RPMSENSE_RPMLIB || name.startsWith('rpmlib('))) continue;
    const key = `${name}|${f & 0xf}|${vers[i]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const fl = FLAGS[f & 0xe];
    out.push(
      `      <rpm:entry name="${escapeXml(name)}"` +
        (fl ? ` flags="${fl}"${evrAttrs(vers[i])}` : '') +
        (isReq && f & RPMSENSE_PRE ? ' pre="1"' : '') +
        '/>',
    );
  }
  return out.length ? `    <rpm:${kind}>\n${out.join('\n')}\n    </rpm:${kind}>\n` : '';
}

interface FileEntry {
  path: string;
  dir: boolean;
  ghost: boolean;
}

function fileEntries(h: RpmHeader): FileEntry[] {
  const base = tagStrings(h, T.BASENAMES);
  const dirs = tagStrings(h, T.DIRNAMES);
  const idx = tagNumbers(h, T.DIRINDEXES);
  const modes = tagNumbers(h, T.FILEMODES);
  const fflags = tagNumbers(h, T.FILEFLAGS);
  return base.map((b, i) => ({
    path: (dirs[idx[i] ?? 0] ?? '') + b,
    dir: ((modes[i] ?? 0) & 0xf000) === 0x4000,
    ghost: ((fflags[i] ?? 0) & 64) !== 0,
  }));
}

const fileXml = (f: FileEntry, ind: string): string =>
  `${ind}<file${f.dir ? ' type="dir"' : f.ghost ? ' type="ghost"' : ''}>${escapeXml(f.path)}</file>`;
/** createrepo_c lists only these files in primary.xml; the rest go to filelists.xml. */
const inPrimary = (p: string): boolean =>
  p.startsWith('/etc/') || p.includes('bin/') || p === '/usr/lib/sendmail';

/**
 * The XML fragments of one package. `href` is its location relative to the repository root,
 * `mtime` the file time createrepo_c would report (seconds).
 */
export function packageFragments(rpm: RpmFile, href: string, mtime: number): PackageFragments {
  const h = rpm.header;
  const name = tagString(h, T.NAME);
  const arch = h.tags.has(T.SOURCEPACKAGE) ? 'src' : tagString(h, T.ARCH);
  const epoch = tagNumber(h, T.EPOCH) ?? 0;
  const ver = tagString(h, T.VERSION);
  const rel = tagString(h, T.RELEASE);
  const archive = tagNumber(rpm.signature, SIGTAG.PAYLOADSIZE) ?? tagNumber(h, T.ARCHIVESIZE) ?? 0;
  const files = fileEntries(h);
  const s = (tag: number): string => escapeXml(tagString(h, tag));
  const primary = `<package type="rpm">
  <name>${escapeXml(name)}</name>
  <arch>${escapeXml(arch)}</arch>
  <version epoch="${epoch}" ver="${escapeXml(ver)}" rel="${escapeXml(rel)}"/>
  <checksum type="sha256" pkgid="YES">${rpm.sha256}</checksum>
  <summary>${s(T.SUMMARY)}</summary>
  <description>${s(T.DESCRIPTION)}</description>
  <packager>${s(T.PACKAGER)}</packager>
  <url>${s(T.URL)}</url>
  <time file="${mtime}" build="${tagNumber(h, T.BUILDTIME) ?? 0}"/>
  <size package="${rpm.size}" installed="${tagNumber(h, T.SIZE) ?? 0}" archive="${archive}"/>
  <location href="${escapeXml(href)}"/>
  <format>
    <rpm:license>${s(T.LICENSE)}</rpm:license>
    <rpm:vendor>${s(T.VENDOR)}</rpm:vendor>
    <rpm:group>${s(T.GROUP)}</rpm:group>
    <rpm:buildhost>${s(T.BUILDHOST)}</rpm:buildhost>
    <rpm:sourcerpm>${s(T.SOURCERPM)}</rpm:sourcerpm>
    <rpm:header-range start="${rpm.header.start}" end="${rpm.header.end}"/>
${deps(h, 'provides', T.PROVIDENAME, T.PROVIDEFLAGS, T.PROVIDEVERSION)}${deps(h, 'requires', T.REQUIRENAME, T.REQUIREFLAGS, T.REQUIREVERSION, true)}${deps(h, 'conflicts', T.CONFLICTNAME, T.CONFLICTFLAGS, T.CONFLICTVERSION)}${deps(h, 'obsoletes', T.OBSOLETENAME, T.OBSOLETEFLAGS, T.OBSOLETEVERSION)}${deps(h, 'recommends', T.RECOMMENDNAME, T.RECOMMENDFLAGS, T.RECOMMENDVERSION)}${deps(h, 'suggests', T.SUGGESTNAME, T.SUGGESTFLAGS, T.SUGGESTVERSION)}${deps(h, 'supplements', T.SUPPLEMENTNAME, T.SUPPLEMENTFLAGS, T.SUPPLEMENTVERSION)}${deps(h, 'enhances', T.ENHANCENAME, T.ENHANCEFLAGS, T.ENHANCEVERSION)}${files
    .filter((f) => inPrimary(f.path))
    .map((f) => fileXml(f, '    ') + '\n')
    .join('')}  </format>
</package>`;
  const pkgAttrs = `pkgid="${rpm.sha256}" name="${escapeXml(name)}" arch="${escapeXml(arch)}"`;
  const verTag = `<version epoch="${epoch}" ver="${escapeXml(ver)}" rel="${escapeXml(rel)}"/>`;
  const filelists = `<package ${pkgAttrs}>\n  ${verTag}\n${files.map((f) => fileXml(f, '  ')).join('\n')}${files.length ? '\n' : ''}</package>`;
  const ct = tagNumbers(h, T.CHANGELOGTIME);
  const cn = tagStrings(h, T.CHANGELOGNAME);
  const cx = tagStrings(h, T.CHANGELOGTEXT);
  const changelog = ct
    .map((x, i) => `  <changelog author="${escapeXml(cn[i])}" date="${x}">${escapeXml(cx[i])}</changelog>\n`)
    .reverse()
    .join('');
  const other = `<package ${pkgAttrs}>\n  ${verTag}\n${changelog}</package>`;
  return { name, epoch, version: ver, release: rel, arch, primary, filelists, other };
}

export interface RepodataDocuments {
  primary: string;
  filelists: string;
  other: string;
}

const NS_COMMON = 'http://linux.duke.edu/metadata/common';
const NS_RPM = 'http://linux.duke.edu/metadata/rpm';

/** The three uncompressed metadata documents, packages in the order given. */
export function repodataDocuments(
  packages: readonly Pick<PackageFragments, 'primary' | 'filelists' | 'other'>[],
): RepodataDocuments {
  const n = packages.length;
  const join = (k: 'primary' | 'filelists' | 'other'): string =>
    n ? packages.map((p) => p[k]).join('\n') + '\n' : '';
  return {
    primary: `<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="${NS_COMMON}" xmlns:rpm="${NS_RPM}" packages="${n}">\n${join('primary')}</metadata>`,
    filelists: `<?xml version="1.0" encoding="UTF-8"?>\n<filelists xmlns="http://linux.duke.edu/metadata/filelists" packages="${n}">\n${join('filelists')}</filelists>`,
    other: `<?xml version="1.0" encoding="UTF-8"?>\n<otherdata xmlns="http://linux.duke.edu/metadata/other" packages="${n}">\n${join('other')}</otherdata>`,
  };
}

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/**
 * Writes `<dir>/repodata/` (gzip-compressed documents named by their checksum, and repomd.xml)
 * and returns repomd.xml's bytes, which the caller signs. `dir/repodata` must not exist yet:
 * a publication is written once.
 */
export async function writeRepodata(dir: string, docs: RepodataDocuments, revision: number): Promise<Buffer> {
  const out = join(dir, 'repodata');
  await mkdir(out, { recursive: true });
  let repomd = `<?xml version="1.0" encoding="UTF-8"?>\n<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="${NS_RPM}">\n  <revision>${revision}</revision>\n`;
  const entries = await Promise.all(
    (['primary', 'filelists', 'other'] as const).map(async (type) => {
      const raw = Buffer.from(docs[type]);
      const gz = await gzipAsync(raw, { level: 6 });
      const sum = sha256(gz);
      const name = `${sum}-${type}.xml.gz`;
      await writeFile(join(out, name), gz);
      return { type, raw, gz, sum, name };
    }),
  );
  for (const e of entries) {
    repomd += `  <data type="${e.type}">\n    <checksum type="sha256">${e.sum}</checksum>\n    <open-checksum type="sha256">${sha256(e.raw)}</open-checksum>\n    <location href="repodata/${e.name}"/>\n    <timestamp>${revision}</timestamp>\n    <size>${e.gz.length}</size>\n    <open-size>${e.raw.length}</open-size>\n  </data>\n`;
  }
  repomd += '</repomd>\n';
  const bytes = Buffer.from(repomd);
  await writeFile(join(out, 'repomd.xml'), bytes);
  return bytes;
}
