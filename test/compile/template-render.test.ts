import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TemplateCache } from '../../src/compile/index.js';
import type { TemplateData } from '../../src/compile/index.js';

const dir = mkdtempSync(join(tmpdir(), 'aare-templates-'));
function template(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const data: TemplateData = {
  params: { servers: ['a.ntp', 'b.ntp'], html: '<b>&</b>' },
  vm: {
    name: 'web1',
    hostname: 'web1',
    fqdn: 'web1.test.muster.cloud.acme.test',
    reseller: 'alpine',
    customer: 'muster',
    environment: 'test',
    role: 'webserver',
    profiles: ['base'],
  },
  facts: { site: 'zrh' },
};

test('renders parameters, vm and facts; no HTML escaping; -%> drops the newline of a control line', () => {
  const file = template(
    'ok.eta',
    '# <%= it.vm.fqdn %> at <%= it.facts.site %>\n<% for (const s of it.params.servers) { -%>\nserver <%= s %>\n<% } -%>\n<%= it.params.html %>\n',
  );
  const r = new TemplateCache().render(file, 'profiles/templates/ok.eta', data, 'muster/test/web1');
  assert.deepEqual(r, {
    text: '# web1.test.muster.cloud.acme.test at zrh\nserver a.ntp\nserver b.ntp\n<b>&</b>\n',
  });
});

test('a template that does not parse is a TEMPLATE diagnostic at its line', () => {
  const file = template('bad.eta', 'line one\nline two <%= it.params.x \n');
  const r = new TemplateCache().render(file, 'profiles/templates/bad.eta', data, 'muster/test/web1');
  assert.ok('diagnostic' in r);
  assert.equal(r.diagnostic.code, 'TEMPLATE');
  assert.equal(r.diagnostic.source?.file, 'profiles/templates/bad.eta');
  assert.equal(r.diagnostic.source?.start.line, 2);
});

test('a template that throws names the VM and the line', () => {
  const file = template('throws.eta', 'one\ntwo\n<%= it.params.missing.deep %>\n');
  const r = new TemplateCache().render(file, 'profiles/templates/throws.eta', data, 'muster/test/web1');
  assert.ok('diagnostic' in r);
  assert.equal(r.diagnostic.source?.start.line, 3);
  assert.match(r.diagnostic.summary, /muster\/test\/web1/);
  assert.match(r.diagnostic.summary, /deep/);
});

test('a missing template is a diagnostic, reported for every VM that needs it', () => {
  const cache = new TemplateCache();
  for (const address of ['a/test/x', 'a/test/y']) {
    const r = cache.render(join(dir, 'nope.eta'), 'profiles/templates/nope.eta', data, address);
    assert.ok('diagnostic' in r);
    assert.equal(r.diagnostic.address, address);
    assert.match(r.diagnostic.summary, /does not exist/);
  }
});
