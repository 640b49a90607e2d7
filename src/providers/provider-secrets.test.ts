import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSealed, secretsFromMasterKey } from './provider-secrets.js';

const a = secretsFromMasterKey('11'.repeat(32));
const b = secretsFromMasterKey('22'.repeat(32));

test('sealed text opens with its own key only, and seals the same way twice', () => {
  const text = '#cloud-config\nwrite_files: [{content: "PASSWORD=s3cret ü"}]\n';
  const sealed = a.seal(text);
  assert.ok(isSealed(sealed));
  assert.ok(!sealed.includes('s3cret'));
  assert.equal(a.seal(text), sealed, 'a plan stays stable');
  assert.notEqual(a.seal(text + ' '), sealed);
  assert.equal(a.unseal(sealed), text);
  assert.equal(b.unseal(sealed), undefined);
  assert.equal(a.unseal(text), undefined);
  const body = sealed.slice(-8);
  const flipped = sealed.slice(0, -8) + (body[0] === 'A' ? 'B' : 'A') + body.slice(1);
  assert.equal(a.unseal(flipped), undefined, 'a changed value does not open');
});
