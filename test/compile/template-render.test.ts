import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TemplateCache } from '../../src/compile/index.js';
import type { TemplateData } from '../../src/compile/index.js';
import { PuppetFloat, markIntegerKey } from '../../src/puppet-types/index.js';

const dir = mkdtempSync(join(tmpdir(), 'aare-templates-'));
function template(name: string, text: string | Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** `{1: Nordtor, 12: Suedtor}` as Hiera reads it: Integer keys. */
function gates(): Record<string, string> {
  const h = { 12: 'Suedtor', 1: 'Nordtor' };
  markIntegerKey(h, '1');
  markIntegerKey(h, '12');
  return h;
}

const data: TemplateData = {
  params: {
    servers: ['a.ntp', 'b.ntp'],
    html: '<b>&</b>',
    relay: 'mail.example:2525',
    bare: 'mail.example',
    on: true,
    off: false,
    empty: '',
    zero: 0,
    sysctl: { 'vm.swappiness': 10, 'net.core.somaxconn': 1024 },
    vhosts: {
      'b.example': { docroot: '/srv/b', aliases: ['www.b.example'] },
      'a.example': { docroot: '/srv/a' },
    },
    big: Array.from({ length: 1000 }, (_, i) => i),
    long: 'x'.repeat(10_000),
    cost: new PuppetFloat(4),
    gates: gates(),
  },
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

function render(text: string | Buffer, name = `t${Math.random().toString(36).slice(2)}.eta`) {
  const file = template(name, text);
  return new TemplateCache(dir).render(file, `profiles/templates/${name}`, data, 'muster/test/web1');
}

function renders(text: string): string {
  const r = render(text);
  assert.ok('text' in r, JSON.stringify(r));
  return r.text;
}

function fails(text: string | Buffer, line: number, col: number, message: RegExp, code = 'TEMPLATE'): string {
  const r = render(text);
  assert.ok('diagnostic' in r, `rendered ${JSON.stringify(r)}`);
  assert.equal(r.diagnostic.code, code);
  assert.deepEqual(r.diagnostic.source?.start, { line, col }, r.diagnostic.summary);
  assert.match(r.diagnostic.summary, message);
  return r.diagnostic.summary;
}

test('renders parameters, vm and facts; no HTML escaping; -%> drops the newline of a control line', () => {
  assert.equal(
    renders(
      '# <%= vm.fqdn %> at <%= facts.site %>\n<% for s in params.servers -%>\nserver <%= s %>\n<% end -%>\n<%= params.html %>\n',
    ),
    '# web1.test.muster.cloud.acme.test at zrh\nserver a.ntp\nserver b.ntp\n<b>&</b>\n',
  );
});

test('loops over hashes in their order or sorted, with index, if/elsif/else, comments and <%%', () => {
  assert.equal(
    renders('<% for k, v in sort(params.sysctl) -%>\n<%= k %> = <%= v %>\n<% end -%>\n'),
    'net.core.somaxconn = 1024\nvm.swappiness = 10\n',
  );
  assert.equal(renders('<% for k, v in params.vhosts %><%= k %> <% end %>'), 'b.example a.example ');
  assert.equal(renders('<% for i, s in params.servers %><%= i %>=<%= s %>;<% end %>'), '0=a.ntp;1=b.ntp;');
  assert.equal(
    renders(
      '<% for name, v in sort(params.vhosts) -%>\nserver_name <%= join([name] + pick(v.aliases, []), " ") %>;\n<% end -%>\n',
    ),
    'server_name a.example;\nserver_name b.example www.b.example;\n',
  );
  assert.equal(
    renders('<% if params.off %>a<% elsif params.missing %>b<% elsif params.on %>c<% else %>d<% end %>'),
    'c',
  );
  // Puppet's truth: only false and undef are false
  assert.equal(renders('<% if params.empty and params.zero %>yes<% end %>'), 'yes');
  assert.equal(renders('<% if not params.missing and params.on == true %>yes<% end %>'), 'yes');
  assert.equal(
    renders("<% if 'a.ntp' in params.servers and length(params.servers) >= 2 %>in<% end %>"),
    'in',
  );
  assert.equal(renders('a <%# a comment -%>\nb <%% c'), 'a b <% c');
  assert.equal(renders('x\n    <%- if params.on -%>\ny\n    <%- end -%>\n'), 'x\ny\n');
});

test('helpers: split, pick, join, keys, values, upcase, downcase, strip, length', () => {
  const relay = (p: string) =>
    `[<%= split(params.${p}, ':')[0] %>]:<%= pick(split(params.${p}, ':')[1], '25') %>`;
  assert.equal(renders(relay('relay')), '[mail.example]:2525');
  assert.equal(renders(relay('bare')), '[mail.example]:25');
  assert.equal(
    renders("<%= join(sort(keys(params.sysctl)), ',') %> <%= join(values(params.sysctl), '+') %>"),
    'net.core.somaxconn,vm.swappiness 10+1024',
  );
  assert.equal(
    renders("<%= upcase('ab') %><%= downcase('CD') %>[<%= strip('  e ') %>]<%= length(params.big) %>"),
    'ABcd[e]1000',
  );
  assert.equal(renders('<%= params.servers[-1] %> <%= params["servers"][0] %>'), 'b.ntp a.ntp');
});

test('a whole-number Float writes as Puppet writes it (4.0) and stays a number; Integer keys are Integers', () => {
  assert.equal(
    renders("<%= params.cost %> <%= params.cost + 1 %> <%= join([params.cost, 0.5], ',') %>"),
    '4.0 5.0 4.0,0.5',
  );
  assert.equal(renders('<% if params.cost == 4 and params.cost > 3 %>yes<% end %>'), 'yes');
  assert.equal(
    renders('<% for k, v in params.gates %><%= k + 1 %>=<%= v %> <% end %>'),
    '2=Nordtor 13=Suedtor ',
  );
  assert.equal(renders("<%= join(sort(keys(params.gates)), ',') %> <%= params.gates[12] %>"), '1,12 Suedtor');
  assert.equal(renders('<% for k, v in sort(params.gates) %><%= k + 1 %> <% end %>'), '2 13 ');
});

test('a template that does not parse is a TEMPLATE diagnostic at its line and column', () => {
  fails('line one\nline two <%= params.x \n', 2, 10, /not closed/);
  fails('a\n<% if params.on %>\nb\n', 2, 4, /if has no matching <% end %>/);
  fails('<% end %>', 1, 4, /end without an open for or if/);
  fails('ok\n  <%= join(params.servers ", ") %>', 2, 27, /expected '\)'/);
});

test('a template that fails while rendering names the VM, the line and the column', () => {
  const summary = fails('one\ntwo\n  <%= params.missing.deep %>\n', 3, 21, /muster\/test\/web1/);
  assert.match(summary, /deep/);
  fails('<%= params.missing %>', 1, 5, /undef/);
  fails('<%= params.servers %>', 1, 5, /a list .*join/);
  fails('<% for s in params.on %><% end %>', 1, 13, /for needs a list or a hash, got a boolean/);
  fails('<%= pick(params.missing, params.empty) %>', 1, 5, /every value is undef or empty/);
});

test('a missing template is a diagnostic, reported for every VM that needs it', () => {
  const cache = new TemplateCache(dir);
  for (const address of ['a/test/x', 'a/test/y']) {
    const r = cache.render(join(dir, 'nope.eta'), 'profiles/templates/nope.eta', data, address);
    assert.ok('diagnostic' in r);
    assert.equal(r.diagnostic.address, address);
    assert.match(r.diagnostic.summary, /does not exist/);
  }
});

// The control repository cannot run code: each of these tried to reach Node from a template.
// None may run anything (the marker file would appear) and each is refused at its position.
test('a template cannot reach Node: every escape is a diagnostic at file:line:col and runs nothing', () => {
  const marker = join(dir, 'pwned');
  const run = `execSync('touch ${marker}')`;
  const attacks: [string, number, number, RegExp][] = [
    [`<%= process.getBuiltinModule('child_process').${run} %>`, 1, 5, /unknown name 'process'/],
    [
      `x\n<% process.getBuiltinModule('child_process').${run} %>`,
      2,
      4,
      /'process' is not a template statement/,
    ],
    [`<%= globalThis.process.mainModule %>`, 1, 5, /unknown name 'globalThis'/],
    [`<%= constructor.constructor('return process')() %>`, 1, 5, /unknown name 'constructor'/],
    [`<%= params.constructor.constructor('return process')().${run} %>`, 1, 24, /calls a method/],
    [`<%= params['constructor']['constructor']('return process')() %>`, 1, 41, /only helpers can be called/],
    [`<%= vm.fqdn.constructor %>`, 1, 12, /cannot take a key of a string/],
    [`<%= require('child_process').${run} %>`, 1, 5, /unknown function 'require'/],
    [`<%= import('child_process') %>`, 1, 5, /unknown function 'import'/],
    [`<%= eval('process') %>`, 1, 5, /unknown function 'eval'/],
    [`<%= Function('return process')() %>`, 1, 5, /unknown function 'Function'/],
    [`<%= this %>`, 1, 5, /unknown name 'this'/],
    [`<%= \`\${process}\` %>`, 1, 5, /unexpected '`'/],
    [`<%= (() => process)() %>`, 1, 7, /unexpected '\)'/],
    [`<% for (const s of it.params.servers) { %>`, 1, 8, /for item in list/],
    [`<%~ process %>`, 1, 3, /expected for, if, elsif, else or end/],
    [`<%= it.params.servers %>`, 1, 5, /unknown name 'it'/],
  ];
  for (const [text, line, col, message] of attacks) fails(text, line, col, message);
  assert.equal(existsSync(marker), false);
});

test('prototype keys are not data: constructor and __proto__ have no value', () => {
  fails('<%= params.constructor %>', 1, 5, /undef/);
  fails("<%= params['__proto__'] %>", 1, 5, /undef/);
  fails('<%= params.servers.length %>', 1, 19, /a list is indexed by an integer/);
  assert.equal(renders('<% if params.toString %>leak<% else %>none<% end %>'), 'none');
  const own = JSON.parse('{"__proto__": "kept", "a": "b"}') as Record<string, unknown>;
  const r = new TemplateCache(dir).render(
    template('proto.eta', '<% for k, v in sort(params.own) %><%= k %>=<%= v %>;<% end %>'),
    'proto.eta',
    { ...data, params: { own } },
    'a',
  );
  assert.deepEqual(r, { text: '__proto__=kept;a=b;' });
});

test('work is bounded: loops, nesting and output have limits, reported at the template', () => {
  fails(
    '<% for a in params.big %><% for b in params.big %><% for c in params.big %><% end %><% end %><% end %>',
    1,
    38,
    /loops run more than/,
  );
  fails('<% for i in params.big %><%= params.long %><% end %>', 1, 13, /output is longer than/);
  fails(`<%= ${'('.repeat(5000)}1${')'.repeat(5000)} %>`, 1, 69, /nests deeper/);
  fails(`<%= ${'not '.repeat(5000)}true %>`, 1, 261, /nests deeper/);
  fails('<% if true %>'.repeat(100), 1, 836, /blocks nest deeper/);
});

test('a template outside the repository (file or folder symlink) is refused and never shown', () => {
  const outside = mkdtempSync(join(tmpdir(), 'aare-outside-'));
  const secret = join(outside, 'shadow');
  writeFileSync(secret, 'root:SECRET-MARKER-7f3a:19000:0:99999:7:::\n<%= vm.fqdn %>\n');
  const root = mkdtempSync(join(tmpdir(), 'aare-repo-'));
  mkdirSync(join(root, 'profiles/templates/web'), { recursive: true });
  symlinkSync(secret, join(root, 'profiles/templates/web/site.conf.eta'));
  symlinkSync(outside, join(root, 'profiles/templates/linked'));
  for (const rel of ['profiles/templates/web/site.conf.eta', 'profiles/templates/linked/shadow']) {
    const r = new TemplateCache(root).render(join(root, rel), rel, data, 'muster/test/web1');
    assert.ok('diagnostic' in r);
    assert.equal(r.diagnostic.code, 'FILE_OUTSIDE_CONTROL_REPO');
    assert.match(r.diagnostic.summary, new RegExp(`${rel}.*outside`));
    assert.doesNotMatch(JSON.stringify(r), /SECRET-MARKER/);
  }
  // inside the repository a symlink is fine
  writeFileSync(join(root, 'profiles/templates/web/real.eta'), 'ok <%= vm.name %>');
  symlinkSync('real.eta', join(root, 'profiles/templates/web/alias.eta'));
  const ok = new TemplateCache(root).render(join(root, 'profiles/templates/web/alias.eta'), 'x', data, 'a');
  assert.deepEqual(ok, { text: 'ok web1' });
});

test('a template that is not UTF-8 is refused at the line and column of the bad byte', () => {
  const bytes = Buffer.concat([Buffer.from('ok\nwörd '), Buffer.from([0xff, 0x41]), Buffer.from('\n')]);
  const summary = fails(bytes, 2, 6, /not valid UTF-8/, 'FILE_NOT_UTF8');
  assert.doesNotMatch(summary, /\uFFFD/);
  fails(Buffer.from([0x61, 0xc0, 0x80]), 1, 2, /not valid UTF-8/, 'FILE_NOT_UTF8');
  fails(Buffer.from([0xed, 0xa0, 0x80]), 1, 1, /not valid UTF-8/, 'FILE_NOT_UTF8');
});
