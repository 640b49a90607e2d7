// Reading an upstream's repomd.xml and primary.xml (in memory): what a mirror takes from them, and
// the forms it refuses (locations outside the repository, digests other than sha256, xml:base).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePrimary, parseRepomd } from '../../src/repo/index.js';

const sha = 'ab'.repeat(32);
const repomd = (href: string, type = 'sha256') => `<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo"><revision>1</revision>
<data type="primary"><checksum type="${type}">${sha}</checksum><location href="${href}"/><size>42</size></data>
</repomd>`;
const pkg = (
  location: string,
  extra = '',
) => `<package type="rpm"><name>tom&amp;jerry</name><arch>noarch</arch>
<version epoch="1" ver="2.0" rel="3.el9"/><checksum type="sha256" pkgid="YES">${sha}</checksum>
<size package="1234" installed="9" archive="10"/><location ${extra}href="${location}"/></package>`;
const primary = (...pkgs: string[]) =>
  `<?xml version="1.0"?><metadata xmlns="http://linux.duke.edu/metadata/common" packages="${pkgs.length}">${pkgs.join('')}</metadata>`;

test('repomd.xml: type, location, sha256 and size of each entry', () => {
  assert.deepEqual(parseRepomd(repomd('repodata/x-primary.xml.gz')), [
    { type: 'primary', href: 'repodata/x-primary.xml.gz', sha256: sha, size: 42 },
  ]);
  assert.throws(() => parseRepomd(repomd('../../etc/passwd')), /outside the repository/);
  assert.throws(() => parseRepomd(repomd('http://elsewhere/x.xml')), /outside the repository/);
  assert.throws(
    () => parseRepomd(repomd('repodata/x.xml', 'sha1')),
    /sha1 checksum; Aare mirrors sha256 only/,
  );
  assert.throws(() => parseRepomd('<html/>'), /no <repomd> element/);
});

test('primary.xml: identity, digest, size and location of each package', () => {
  assert.deepEqual(parsePrimary(primary(pkg('Packages/t/tom.rpm'))), [
    {
      name: 'tom&jerry',
      arch: 'noarch',
      epoch: 1,
      version: '2.0',
      release: '3.el9',
      href: 'Packages/t/tom.rpm',
      sha256: sha,
      size: 1234,
    },
  ]);
  assert.throws(() => parsePrimary(primary(pkg('/abs.rpm'))), /outside the repository/);
  assert.throws(() => parsePrimary(primary(pkg('a/../../b.rpm'))), /outside the repository/);
  assert.throws(
    () => parsePrimary(primary(pkg('t.rpm', 'xml:base="http://other/" '))),
    /lives on another server \(xml:base\)/,
  );
  assert.deepEqual(parsePrimary(primary()), []);
});
