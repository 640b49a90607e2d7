// Checks an RPM before the repository service accepts it: well-formed headers, the identity
// repodata needs (name, version, release, arch), the header and payload digests, the size the
// signature header promises, and a header signature by a trusted key.
import { createHash } from 'node:crypto';
import type { PublicKey } from 'openpgp';
import { error } from '../diag/index.js';
import type { Diagnostic } from '../diag/index.js';
import {
  readRpmFile,
  RpmFormatError,
  RpmLimitError,
  RPMTAG,
  SIGTAG,
  tagBinary,
  tagNumber,
  tagString,
  tagStrings,
} from './rpm-header-reader.js';
import type { RpmFile } from './rpm-header-reader.js';
import { verifyDetachedBinary } from './signing-key.js';

const PGPHASHALGO_SHA256 = 8;

export interface CheckedRpm {
  rpm: RpmFile;
  nevra: { name: string; epoch: number; version: string; release: string; arch: string };
  /** `name-version-release.arch.rpm`, the file name repodata uses. */
  filename: string;
  signerKeyId: string;
}

/**
 * Reads and checks the RPM at `path`. `shownAs` is how the file is named in diagnostics (the
 * path the user gave, or an API field). Returns the checked file or the reasons it is refused.
 */
export async function checkRpm(
  path: string,
  trustedKeys: PublicKey[],
  shownAs = path,
): Promise<{ value?: CheckedRpm; diagnostics: Diagnostic[] }> {
  const fail = (code: 'RPM_INVALID' | 'RPM_LIMIT' | 'RPM_SIGNATURE', summary: string) => ({
    diagnostics: [error(code, summary, { field: shownAs })],
  });
  let rpm: RpmFile;
  try {
    rpm = await readRpmFile(path);
  } catch (err) {
    if (err instanceof RpmLimitError) return fail('RPM_LIMIT', err.message);
    if (err instanceof RpmFormatError) return fail('RPM_INVALID', err.message);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return fail('RPM_INVALID', 'no such file');
    throw err;
  }
  const h = rpm.header;
  const name = tagString(h, RPMTAG.NAME);
  const version = tagString(h, RPMTAG.VERSION);
  const release = tagString(h, RPMTAG.RELEASE);
  const arch = h.tags.has(RPMTAG.SOURCEPACKAGE) ? 'src' : tagString(h, RPMTAG.ARCH);
  for (const [what, v] of Object.entries({ name, version, release, arch })) {
    if (!v) return fail('RPM_INVALID', `the header has no ${what}`);
  }
  const promised = tagNumber(rpm.signature, SIGTAG.LONGSIZE) ?? tagNumber(rpm.signature, SIGTAG.SIZE);
  if (promised !== undefined && promised !== rpm.size - h.start) {
    return fail(
      'RPM_INVALID',
      `the file is truncated or extended: header and payload should be ${promised} bytes, found ${rpm.size - h.start}`,
    );
  }
  const headerSha = tagString(rpm.signature, SIGTAG.SHA256);
  if (headerSha && headerSha !== createHash('sha256').update(rpm.headerBytes).digest('hex')) {
    return fail('RPM_INVALID', 'the header does not match its SHA256 digest (the file was altered)');
  }
  const payloadDigest = tagStrings(h, RPMTAG.PAYLOADDIGEST)[0];
  const algo = tagNumber(h, RPMTAG.PAYLOADDIGESTALGO) ?? PGPHASHALGO_SHA256;
  if (!payloadDigest)
    return fail('RPM_INVALID', 'the header carries no payload digest (built by rpm < 4.14?)');
  if (algo !== PGPHASHALGO_SHA256) {
    return fail('RPM_INVALID', `the payload digest uses hash algorithm ${algo}; Aare checks SHA-256 (8)`);
  }
  if (payloadDigest !== rpm.payloadSha256) {
    return fail('RPM_INVALID', 'the payload does not match its digest (the file was altered or truncated)');
  }
  const sig = tagBinary(rpm.signature, SIGTAG.RSA) ?? tagBinary(rpm.signature, SIGTAG.DSA);
  if (!sig) return fail('RPM_SIGNATURE', 'the package is not signed');
  const verdict = await verifyDetachedBinary(rpm.headerBytes, sig, trustedKeys);
  if (!verdict.ok) return fail('RPM_SIGNATURE', verdict.reason);
  const epoch = tagNumber(h, RPMTAG.EPOCH) ?? 0;
  return {
    value: {
      rpm,
      nevra: { name, epoch, version, release, arch },
      filename: `${name}-${version}-${release}.${arch}.rpm`,
      signerKeyId: verdict.keyId,
    },
    diagnostics: [],
  };
}
