import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { compileAll, compileControlRepo, validateControlRepo } from '../../src/compile/index.js';
import { sourceOf } from './control-repo-source.js';
import type { CompiledVm } from '../../src/compile/index.js';
import { formatDiagnostic } from '../../src/diag/index.js';
import { loadControlRepo } from '../../src/model/index.js';
import { cloudInitAvailable, cloudInitSchemaErrors } from './cloud-init-schema.js';

const small = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/small-repo');

function compileSmall(): Map<string, CompiledVm> {
  const controlRepo = loadControlRepo(small);
  assert.deepEqual(controlRepo.diagnostics.map(formatDiagnostic), []);
  const r = compileAll(controlRepo.value);
  assert.deepEqual(r.diagnostics.map(formatDiagnostic), []);
  return new Map(r.value.map((c) => [c.address, c]));
}

/** A copy of the small fixture with some files replaced, for the error cases. */
function brokenCopy(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'aare-compile-'));
  cpSync(small, dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

test('parameters resolve from the most specific Hiera level, then role default, then profile default', () => {
  const vms = compileSmall();
  assert.deepEqual([...vms.keys()], ['muster/production/web1', 'muster/test/web1', 'muster/test/web2']);
  const web1 = vms.get('muster/test/web1')!.enc.classes;
  const web2 = vms.get('muster/test/web2')!.enc.classes;
  // role level (8) beats the role's default (2); the VM level (16) beats the role level
  assert.equal(web1['profile::web']!.workers, 8);
  assert.equal(web2['profile::web']!.workers, 16);
  // profiles level beats the profile's default
  assert.equal(web1['profile::web']!.server_tokens, false);
  // reseller level beats the profile default; common gives motd, the VM level overrides it with interpolation
  assert.deepEqual(web1['profile::base']!.ntp_servers, ['ntp1.alpine.test', 'ntp2.alpine.test']);
  assert.equal(web1['profile::base']!.motd, 'Managed by ACME');
  assert.equal(web2['profile::base']!.motd, 'Web 2 of muster');
  // deep merge across customer and common, as lookup_options says
  assert.deepEqual(web1['profile::web']!.vhosts, {
    shop: { port: 443, root: '/srv/shop' },
    default: { port: 80, root: '/var/www/html' },
  });
  // an optional parameter whose default is undef is passed as undef
  assert.equal(web1['profile::web']!.admin_email, null);
});

test('enc.yaml: every profile class, the Puppet environment and the top-scope parameters', () => {
  const enc = compileSmall().get('muster/test/web1')!.enc;
  assert.deepEqual(Object.keys(enc.classes), ['profile::base', 'profile::web']);
  assert.equal(enc.environment, 'production');
  assert.deepEqual(enc.parameters, {
    reseller: 'alpine',
    customer: 'muster',
    role: 'webserver',
    aare_environment: 'test',
  });
});

test('user-data: name, users, the customer distribution, packages, rendered files, services, Puppet bootstrap', () => {
  const vm = compileSmall().get('muster/test/web2')!;
  // the parsed document is checked field by field below; its shape is cloud-init's
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const doc = parse(vm.userData, { version: '1.1' }) as Record<string, any>;
  assert.equal(doc.hostname, 'web2');
  assert.equal(doc.fqdn, 'web2.test.muster.cloud.acme.test');
  assert.equal(doc.users[1].name, 'ops');
  assert.deepEqual(doc.yum_repos['acme-muster-test'], {
    name: 'ACME Cloud: muster test',
    baseurl: 'https://repo.acme.test/repos/muster/test/',
    enabled: true,
    gpgcheck: true,
    repo_gpgcheck: true,
    gpgkey: 'https://repo.acme.test/keys/RPM-GPG-KEY-aare',
  });
  // the web profile sends mail: Aare adds Postfix as a null client (docs/mail.md); web2 has
  // backup paths, so it gets the backup job (restic); every VM forwards its logs (rsyslog)
  assert.deepEqual(doc.packages, ['chrony', 'nginx', 'postfix', 'restic', 'rsyslog', 'puppet-agent']);
  const files = Object.fromEntries(doc.write_files.map((f: { path: string }) => [f.path, f]));
  assert.equal(
    files['/etc/chrony.conf'].content,
    '# managed by Aare for web2.test.muster.cloud.acme.test\nserver ntp1.alpine.test iburst\nserver ntp2.alpine.test iburst\ndriftfile /var/lib/chrony/drift\n',
  );
  assert.match(files['/etc/nginx/conf.d/aare.conf'].content, /^worker_processes 16;\nserver_tokens off;\n/);
  assert.equal(files['/etc/nginx/conf.d/aare.conf'].owner, 'nginx:nginx');
  assert.equal(files['/etc/nginx/conf.d/aare.conf'].permissions, '0640');
  assert.equal(files['/etc/motd'].content, 'Web 2 of muster\n');
  assert.match(files['/etc/postfix/main.cf'].content, /^relayhost = \[127\.0\.0\.1\]:10025$/m);
  assert.match(
    files['/etc/postfix/main.cf'].content,
    /^myhostname = web2\.test\.muster\.cloud\.acme\.test$/m,
  );
  assert.deepEqual(doc.runcmd, [
    ['systemctl', 'daemon-reload'],
    ['systemctl', 'enable', '--now', 'chronyd'],
    ['systemctl', 'enable', '--now', 'nginx'],
    ['systemctl', 'enable', '--now', 'postfix'],
    ['systemctl', 'enable', '--now', 'aare-backup.timer'],
    ['systemctl', 'restart', 'postfix'],
    ['systemctl', 'restart', 'rsyslog'],
  ]);
  assert.match(files['/etc/rsyslog.d/90-aare-forward.conf'].content, /Target="127\.0\.0\.1"\s+Port="10514"/);
  assert.equal(doc.puppet.conf.agent.server, 'puppet.acme.test');
  assert.equal(doc.puppet.conf.agent.certname, 'web2.test.muster.cloud.acme.test');
  assert.deepEqual(doc.puppet.csr_attributes.extension_requests, {
    pp_role: 'webserver',
    pp_environment: 'test',
    '1.3.6.1.4.1.34380.1.2.1': 'alpine',
    '1.3.6.1.4.1.34380.1.2.2': 'muster',
  });
});

test('user-data: the backup job with its paths, a daily timer in the maintenance zone, credentials as tokens, 0600', (t) => {
  const vm = compileSmall().get('muster/production/web1')!;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const doc = parse(vm.userData, { version: '1.1' }) as Record<string, any>;
  const files = Object.fromEntries(doc.write_files.map((f: { path: string }) => [f.path, f]));
  const env = files['/etc/aare/backup.env'];
  assert.equal(env.permissions, '0600');
  assert.equal(env.owner, 'root:root');
  // the VM gets the append-only address, its customer environment's repository, and tokens
  // (filled by the server driver) where the secrets go
  assert.match(
    env.content,
    /^RESTIC_REPOSITORY=rest:http:\/\/muster:@@AARE_SECRET_BACKUP_LOGIN_PASSWORD@@@127\.0\.0\.1:18281\/muster\/production\/$/m,
  );
  assert.match(env.content, /^RESTIC_PASSWORD=@@AARE_SECRET_BACKUP_REPOSITORY_PASSWORD@@$/m);
  assert.equal(files['/etc/aare/backup.paths'].content, vm.desired.backup!.paths.join('\n') + '\n');
  assert.match(
    files['/etc/systemd/system/aare-backup.service'].content,
    /^ExecStart=\/usr\/bin\/restic backup --host web1 --tag aare --files-from \/etc\/aare\/backup.paths$/m,
  );
  assert.match(
    files['/etc/systemd/system/aare-backup.timer'].content,
    new RegExp(`^OnCalendar=\\*-\\*-\\* ${vm.desired.backup!.schedule}:00 Europe/Zurich$`, 'm'),
  );
  // systemd itself reads the calendar expression, where it is installed
  const onCalendar = /^OnCalendar=(.*)$/m.exec(files['/etc/systemd/system/aare-backup.timer'].content)![1]!;
  const check = spawnSync('systemd-analyze', ['calendar', onCalendar], { encoding: 'utf8' });
  if (check.error) t.diagnostic('systemd-analyze not installed: calendar expression not checked by systemd');
  else assert.equal(check.status, 0, check.stderr);
});

test('the real cloud-init accepts every user-data of the fixture', { skip: cloudInitAvailable() }, () => {
  for (const vm of compileSmall().values())
    assert.equal(cloudInitSchemaErrors(vm.userData), undefined, vm.address);
});

test('desired state: network, security group, DNS, backup from Hiera, logs, mail', () => {
  const d = compileSmall().get('muster/production/web1')!.desired;
  assert.deepEqual(d.network, {
    name: 'muster-production',
    customer: 'muster',
    environment: 'production',
    cidr: '10.20.2.0/24',
  });
  assert.deepEqual(
    d.securityGroupRules.map((r) => `${r.protocol}/${r.port} from ${r.remoteCidr}`),
    ['tcp/80 from 10.0.0.0/8', 'tcp/443 from 0.0.0.0/0'],
  );
  assert.deepEqual(
    d.dnsNames.map((n) => n.name),
    ['web1.production.muster.cloud.acme.test', 'www.production.muster.cloud.acme.test'],
  );
  // the role has no backup profile: schedule (common) and retention (customer) still come from Hiera
  assert.deepEqual(d.backup, {
    paths: ['/etc/nginx', '/srv'],
    schedule: '02:30',
    retentionDays: 30,
    from: {
      schedule: 'profile::backup_client::backup_schedule',
      retentionDays: 'profile::backup_client::retention_days',
    },
  });
  assert.deepEqual(
    d.logs.map((l) => l.path),
    ['/var/log/messages', '/var/log/nginx/access.log', '/var/log/nginx/error.log'],
  );
  assert.deepEqual(d.mail, { relay: true, profiles: ['web'] });
  assert.equal(d.server.flavor, 'small');
  assert.match(d.server.userDataSha256, /^[0-9a-f]{64}$/);
});

test('compiling twice gives the same bytes', () => {
  const a = compileSmall().get('muster/test/web1')!;
  const b = compileSmall().get('muster/test/web1')!;
  assert.equal(JSON.stringify(a), JSON.stringify(b));
});

test('a Hiera value of the wrong type: VM, profile, parameter, file:line:col, level and the mismatch', () => {
  const dir = brokenCopy({ 'data/role/webserver.yaml': '---\nprofile::web::workers: many\n' });
  const r = compileControlRepo(sourceOf(dir), { all: true });
  assert.deepEqual(r.value, []);
  const d = r.diagnostics.find((x) => x.address === 'muster/test/web1');
  assert.ok(d, r.diagnostics.map(formatDiagnostic).join('\n'));
  assert.equal(d.code, 'TYPE_MISMATCH');
  assert.deepEqual(
    { file: d.source?.file, line: d.source?.start.line, col: d.source?.start.col },
    { file: 'data/role/webserver.yaml', line: 2, col: 1 },
  );
  assert.match(
    d.summary,
    /muster\/test\/web1: profile web parameter workers expects an Integer(\[1, 64\])? value, got String/,
  );
  assert.match(d.summary, /data\/role\/webserver\.yaml \(hierarchy level "role"\)/);
  // web2 takes workers from its VM level: it compiles
  assert.ok(!r.diagnostics.some((x) => x.address === 'muster/test/web2'));
});

test('a required parameter without a value is PARAM_MISSING at its declaration', () => {
  const dir = brokenCopy({
    'data/common.yaml': readFileSync(join(small, 'data/common.yaml'), 'utf8').replace(
      /^profile::base::motd.*\n/m,
      '',
    ),
  });
  const r = compileControlRepo(sourceOf(dir), { address: 'muster/test/web1' });
  const d = r.diagnostics.find((x) => x.code === 'PARAM_MISSING');
  assert.ok(d, r.diagnostics.map(formatDiagnostic).join('\n'));
  assert.equal(d.source?.file, 'profiles/base.yaml');
  assert.match(d.summary, /profile base parameter motd/);
});

test('validate reports a bad common value once, with the number of VMs it breaks', () => {
  const dir = brokenCopy({
    'data/common.yaml': readFileSync(join(small, 'data/common.yaml'), 'utf8').replace(
      '"Managed by ACME"',
      "''",
    ),
  });
  const r = validateControlRepo(sourceOf(dir));
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 1, errors.map(formatDiagnostic).join('\n'));
  assert.equal(errors[0]!.code, 'TYPE_MISMATCH');
  assert.equal(errors[0]!.source?.file, 'data/common.yaml');
  // web2 sets its own motd at the VM level: two of three VMs break
  assert.match(errors[0]!.summary, /\(and 1 more VM\)$/);
  assert.deepEqual({ vms: r.value.vms, compiled: r.value.compiled }, { vms: 3, compiled: 1 });
});

test('validate of the clean fixture finds nothing', () => {
  const r = validateControlRepo(sourceOf(small));
  assert.deepEqual(r.diagnostics.map(formatDiagnostic), []);
  assert.deepEqual({ vms: r.value.vms, compiled: r.value.compiled }, { vms: 3, compiled: 3 });
});

test('a parameter Puppet refuses as a class parameter is a warning at its declaration', () => {
  const web = readFileSync(join(small, 'profiles/web.yaml'), 'utf8').replace(
    'parameters:\n',
    'parameters:\n  tag:\n    type: String\n    default: blue\n',
  );
  const r = validateControlRepo(sourceOf(brokenCopy({ 'profiles/web.yaml': web })));
  assert.deepEqual(
    r.diagnostics.map((d) => [d.severity, d.code, d.source?.file, d.source?.start.line]),
    [['warning', 'PUPPET_RESERVED_NAME', 'profiles/web.yaml', 3]],
  );
  assert.equal(r.value.compiled, 3);
});
