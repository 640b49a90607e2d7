// Aare's repodata against createrepo_c's on the same files: the uncompressed primary, filelists
// and other documents must be byte-identical.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { packageFragments, readRpmFile, repodataDocuments } from '../../src/repo/index.js';
import { buildSignedRpm, hasTool, noRpmbuild, testKey } from './rpm-fixtures.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

const skip = noRpmbuild || (!hasTool('createrepo_c') ? 'createrepo_c is not installed' : false);

test('repodata is byte-identical to createrepo_c', { skip, timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aare-repodata-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pkgs = join(dir, 'Packages');
  mkdirSync(pkgs);
  const key = await testKey();
  await buildSignedRpm(pkgs, { name: 'alpha', version: '1.0', requires: ['/bin/sh', 'beta >= 2'] }, key);
  await buildSignedRpm(pkgs, { name: 'beta', version: '2.0', release: '3', provides: ['beta-api = 2'] }, key);
  await buildSignedRpm(pkgs, { name: 'gamma', version: '0.1', files: false }, key);
  execFileSync('createrepo_c', ['-q', '--no-database', dir]);
  const theirs = Object.fromEntries(
    readdirSync(join(dir, 'repodata'))
      .filter((f) => f.endsWith('.xml.gz'))
      .map((f) => [
        f.replace(/^.*-(\w+)\.xml\.gz$/, '$1'),
        gunzipSync(readFileSync(join(dir, 'repodata', f))).toString(),
      ]),
  );
  const files = readdirSync(pkgs).sort();
  const fragments = [];
  for (const f of files) {
    const path = join(pkgs, f);
    fragments.push(
      packageFragments(await readRpmFile(path), `Packages/${f}`, Math.floor(statSync(path).mtimeMs / 1000)),
    );
  }
  const ours = repodataDocuments(fragments);
  assert.equal(ours.primary, theirs.primary);
  assert.equal(ours.filelists, theirs.filelists);
  assert.equal(ours.other, theirs.other);
});

test('an empty repository matches createrepo_c too', { skip }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aare-repodata-empty-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('createrepo_c', ['-q', '--no-database', dir]);
  const primary = readdirSync(join(dir, 'repodata')).find((f) => f.endsWith('primary.xml.gz'))!;
  assert.equal(
    repodataDocuments([]).primary,
    gunzipSync(readFileSync(join(dir, 'repodata', primary))).toString(),
  );
});
