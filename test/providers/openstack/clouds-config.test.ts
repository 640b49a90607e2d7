import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { formatDiagnostic } from '../../../src/diag/index.js';
import { openstack } from '../../../src/providers/index.js';

const yaml = `clouds:
  lab:
    auth:
      auth_url: http://127.0.0.1:5000
      username: admin
      password: secret
      project_name: admin
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    interface: public
  appcred:
    auth_type: v3applicationcredential
    auth:
      auth_url: http://keystone.example:5000/v3/
      application_credential_id: abc123
      application_credential_secret: s3cr3t
  broken:
    auth:
      auth_url: http://x/v3
      username: someone
    interface: sideways
`;

describe('clouds.yaml', () => {
  test('password cloud: auth URL normalised to /v3, scope and region kept', () => {
    const { value, diagnostics } = openstack.parseCloudsYaml(yaml, 'clouds.yaml', 'lab', {});
    assert.deepEqual(diagnostics, []);
    assert.equal(value?.authUrl, 'http://127.0.0.1:5000/v3');
    assert.equal(value?.regionName, 'RegionOne');
    assert.deepEqual(value?.auth, {
      type: 'password',
      password: 'secret',
      username: 'admin',
      userDomainName: 'Default',
      projectName: 'admin',
      projectDomainName: 'Default',
    });
  });

  test('application credential cloud', () => {
    const { value } = openstack.parseCloudsYaml(yaml, 'clouds.yaml', 'appcred', {});
    assert.equal(value?.authUrl, 'http://keystone.example:5000/v3');
    assert.deepEqual(value?.auth, { type: 'application_credential', secret: 's3cr3t', id: 'abc123' });
    assert.equal(value?.interface, 'public');
  });

  test('mistakes are diagnostics with file:line:col, all at once', () => {
    const { value, diagnostics } = openstack.parseCloudsYaml(yaml, 'clouds.yaml', 'broken', {});
    assert.equal(value, undefined);
    const lines = diagnostics.map(formatDiagnostic);
    assert.deepEqual(lines, [
      "clouds.yaml:20:7: error OPENSTACK_CONFIG: cloud 'broken': password authentication needs a password",
      "clouds.yaml:22:16: error OPENSTACK_CONFIG: cloud 'broken': interface must be public, internal or admin, got 'sideways'",
    ]);
  });

  test('cacert and verify: false are warnings that say what to do instead', () => {
    const text = `clouds:
  tls:
    auth:
      auth_url: https://keystone.example:5000/v3
      username: u
      password: p
    cacert: /etc/ssl/private-ca.pem
    verify: false
`;
    const { value, diagnostics } = openstack.parseCloudsYaml(text, 'clouds.yaml', 'tls', {});
    assert.equal(value?.authUrl, 'https://keystone.example:5000/v3');
    assert.deepEqual(diagnostics.map(formatDiagnostic), [
      "clouds.yaml:7:13: warning OPENSTACK_CONFIG: cloud 'tls': cacert is not read by Aare; start it with NODE_EXTRA_CA_CERTS=/etc/ssl/private-ca.pem",
      "clouds.yaml:8:13: warning OPENSTACK_CONFIG: cloud 'tls': verify: false is not supported; certificates are always checked",
    ]);
    // started as the warning says (in the environment given, not this process's): no cacert warning
    const started = openstack.parseCloudsYaml(text, 'clouds.yaml', 'tls', {
      NODE_EXTRA_CA_CERTS: '/etc/ssl/private-ca.pem',
    });
    assert.deepEqual(
      started.diagnostics.map((d) => d.summary),
      ["cloud 'tls': verify: false is not supported; certificates are always checked"],
    );
  });

  test('an unknown cloud names the ones there are', () => {
    const { diagnostics } = openstack.parseCloudsYaml(yaml, 'clouds.yaml', 'nope', {});
    assert.match(
      diagnostics[0]?.summary ?? '',
      /cloud 'nope' is not in clouds.yaml \(it has: lab, appcred, broken\)/,
    );
    assert.equal(diagnostics[0]?.source?.start.line, 2);
  });

  test('a YAML syntax error points at its place', () => {
    const { diagnostics } = openstack.parseCloudsYaml('clouds:\n  a: [\n', 'c.yaml', 'a', {});
    assert.equal(diagnostics[0]?.code, 'OPENSTACK_CONFIG');
    assert.equal(diagnostics[0]?.source?.file, 'c.yaml');
  });

  test('OS_CLOUD picks a cloud from OS_CLIENT_CONFIG_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aare-clouds-'));
    writeFileSync(join(dir, 'clouds.yaml'), yaml);
    const { value } = openstack.loadCloudConfig({
      env: { OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'), OS_CLOUD: 'appcred' },
    });
    assert.equal(value?.name, 'appcred');
    assert.equal(value?.source, join(dir, 'clouds.yaml'));
  });

  test('OS_* variables without OS_CLOUD describe the cloud', () => {
    const { value, diagnostics } = openstack.loadCloudConfig({
      env: {
        OS_AUTH_URL: 'http://k:5000/v3',
        OS_USERNAME: 'demo',
        OS_PASSWORD: 'pw',
        OS_PROJECT_NAME: 'demo',
        OS_USER_DOMAIN_NAME: 'Default',
        OS_PROJECT_DOMAIN_NAME: 'Default',
        OS_REGION_NAME: 'R2',
        OS_INTERFACE: 'internal',
      },
    });
    assert.deepEqual(diagnostics, []);
    assert.equal(value?.name, 'envvars');
    assert.equal(value?.interface, 'internal');
    assert.equal(value?.regionName, 'R2');
    assert.equal(value?.auth.type, 'password');
  });

  test('nothing chosen: a diagnostic that says how to choose', () => {
    const { value, diagnostics } = openstack.loadCloudConfig({ env: {} });
    assert.equal(value, undefined);
    assert.match(diagnostics[0]?.summary ?? '', /set OS_CLOUD/);
  });
});

describe('service catalog', () => {
  const catalog = [
    {
      type: 'compute',
      endpoints: [
        { interface: 'public', region_id: 'R1', url: 'http://r1/compute/v2.1/' },
        { interface: 'internal', region_id: 'R1', url: 'http://r1-int/compute/v2.1' },
        { interface: 'public', region_id: 'R2', url: 'http://r2/compute/v2.1' },
      ],
    },
  ];
  test('by type, interface and region; trailing slash dropped', () => {
    assert.equal(openstack.selectEndpoint(catalog, 'compute', 'public', 'R1'), 'http://r1/compute/v2.1');
    assert.equal(openstack.selectEndpoint(catalog, 'compute', 'public', 'R2'), 'http://r2/compute/v2.1');
    assert.equal(openstack.selectEndpoint(catalog, 'compute', 'internal'), 'http://r1-int/compute/v2.1');
  });
  test('missing service or region: OPENSTACK_NOT_FOUND saying what exists', () => {
    assert.throws(() => openstack.selectEndpoint(catalog, 'network', 'public'), {
      code: 'OPENSTACK_NOT_FOUND',
      message: "the service catalog has no 'network' service (it has: compute)",
    });
    assert.throws(() => openstack.selectEndpoint(catalog, 'compute', 'admin', 'R1'), {
      message: "the 'compute' service has no endpoint for interface admin, region R1",
    });
  });
});
