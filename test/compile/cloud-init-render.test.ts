import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { buildCloudConfig, renderUserData } from '../../src/compile/index.js';
import type { CloudConfigInput } from '../../src/compile/index.js';
import { cloudInitAvailable, cloudInitSchemaErrors } from './cloud-init-schema.js';

const input: CloudConfigInput = {
  hostname: 'web1',
  fqdn: 'web1.test.muster.cloud.acme.test',
  users: [
    {
      name: 'ops',
      sshAuthorizedKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB ops@acme'],
      groups: ['wheel'],
      sudo: 'ALL=(ALL) NOPASSWD:ALL',
    },
    { name: 'audit', sshAuthorizedKeys: ['ssh-rsa AAAAB3 audit@acme'] },
  ],
  yumRepos: [
    {
      id: 'acme-muster-test',
      name: 'ACME: muster test',
      baseurl: 'https://repo.acme.test/repos/muster/test/',
      gpgkey: 'https://repo.acme.test/keys/RPM-GPG-KEY-acme',
    },
  ],
  packages: ['nginx', 'chrony'],
  files: [
    {
      path: '/etc/nginx/conf.d/aare.conf',
      content: 'worker_processes 4;\nserver { listen 80; }\n',
      mode: '0640',
      owner: 'nginx:nginx',
    },
    { path: '/etc/motd', content: 'yes: "quoted" # not a comment' },
  ],
  services: ['nginx', 'chronyd'],
  puppet: {
    server: 'puppet.acme.test',
    certname: 'web1.test.muster.cloud.acme.test',
    environment: 'production',
    packageName: 'puppet-agent',
    extensionRequests: { pp_role: 'webserver', pp_environment: 'test', '1.3.6.1.4.1.34380.1.2.1': 'alpine' },
  },
};

test('user-data is #cloud-config and reads back as the built document', () => {
  const text = renderUserData(input);
  assert.ok(text.startsWith('#cloud-config\n'));
  assert.deepEqual(parse(text, { version: '1.1' }), JSON.parse(JSON.stringify(buildCloudConfig(input))));
});

test('yum repository has gpgcheck on and the provider key; files are deferred; services enabled', () => {
  const doc = buildCloudConfig(input) as {
    yum_repos: Record<string, { gpgcheck: boolean; repo_gpgcheck: boolean; gpgkey: string; baseurl: string }>;
    write_files: { defer: boolean; permissions: string; content: string }[];
    runcmd: string[][];
    packages: string[];
    puppet: { csr_attributes: { extension_requests: Record<string, string> } };
  };
  const repo = doc.yum_repos['acme-muster-test']!;
  assert.equal(repo.gpgcheck, true);
  // every repomd.xml Aare publishes is signed, so dnf checks it too
  assert.equal(repo.repo_gpgcheck, true);
  assert.equal(repo.gpgkey, 'https://repo.acme.test/keys/RPM-GPG-KEY-acme');
  assert.ok(doc.write_files.every((f) => f.defer));
  assert.equal(doc.write_files[1]!.permissions, '0644');
  assert.deepEqual(doc.runcmd, [
    ['systemctl', 'enable', '--now', 'nginx'],
    ['systemctl', 'enable', '--now', 'chronyd'],
  ]);
  assert.deepEqual(doc.packages, ['nginx', 'chrony', 'puppet-agent']);
  assert.equal(doc.puppet.csr_attributes.extension_requests.pp_role, 'webserver');
});

test('without a Puppet server there is no puppet module and no agent package', () => {
  const doc = buildCloudConfig({ ...input, puppet: undefined });
  assert.equal(doc.puppet, undefined);
  assert.deepEqual(doc.packages, ['nginx', 'chrony']);
});

test('the real cloud-init accepts the user-data', { skip: cloudInitAvailable() }, () => {
  assert.equal(cloudInitSchemaErrors(renderUserData(input)), undefined);
  assert.equal(cloudInitSchemaErrors(renderUserData({ ...input, puppet: undefined, users: [] })), undefined);
});

test('the real cloud-init schema check can fail (the test is honest)', { skip: cloudInitAvailable() }, () => {
  const broken = renderUserData(input).replace('install_type: packages', 'install_type: tarball');
  assert.match(cloudInitSchemaErrors(broken) ?? '', /install_type/);
});
