import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { formatDiagnostic } from '../../../src/diag/index.js';
import type { Diagnostic } from '../../../src/diag/index.js';
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
    const { value, diagnostics } = openstack.parseCloudsYaml(yaml, 'clouds.yaml', 'lab');
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
    const { value } = openstack.parseCloudsYaml(yaml, 'clouds.yaml', 'appcred');
    assert.equal(value?.authUrl, 'http://keystone.example:5000/v3');
    assert.deepEqual(value?.auth, { type: 'application_credential', secret: 's3cr3t', id: 'abc123' });
    assert.equal(value?.interface, 'public');
  });

  test('mistakes are diagnostics with file:line:col, all at once', () => {
    const { value, diagnostics } = openstack.parseCloudsYaml(yaml, 'clouds.yaml', 'broken');
    assert.equal(value, undefined);
    const lines = diagnostics.map(formatDiagnostic);
    assert.deepEqual(lines, [
      "clouds.yaml:20:7: error OPENSTACK_CONFIG: cloud 'broken': password authentication needs a password (none here, and no secure.yaml found)",
      "clouds.yaml:22:16: error OPENSTACK_CONFIG: cloud 'broken': interface must be public, internal or admin, got 'sideways'",
    ]);
  });

  test('an unknown cloud names the ones there are', () => {
    const { diagnostics } = openstack.parseCloudsYaml(yaml, 'clouds.yaml', 'nope');
    assert.match(
      diagnostics[0]?.summary ?? '',
      /cloud 'nope' is not in clouds.yaml \(it has: lab, appcred, broken\)/,
    );
    assert.equal(diagnostics[0]?.source?.start.line, 2);
  });

  test('a YAML syntax error points at its place', () => {
    const { diagnostics } = openstack.parseCloudsYaml('clouds:\n  a: [\n', 'c.yaml', 'a');
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

describe('secure.yaml', () => {
  const clouds = `clouds:
  lab:
    auth:
      auth_url: http://127.0.0.1:5000/v3
      username: admin
      project_name: admin
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
`;
  const secure = `clouds:
  lab:
    auth:
      password: from-secure
    region_name: RegionTwo
`;

  test('merged over clouds.yaml key by key: the password comes in, the rest stays', () => {
    const { value, diagnostics } = openstack.parseCloudsYaml(clouds, 'clouds.yaml', 'lab', {
      secure: { text: secure, file: 'secure.yaml' },
    });
    assert.deepEqual(diagnostics, []);
    assert.equal(value?.auth.type, 'password');
    assert.equal((value?.auth as openstack.PasswordAuth).password, 'from-secure');
    assert.equal((value?.auth as openstack.PasswordAuth).username, 'admin');
    assert.equal(value?.regionName, 'RegionTwo');
    assert.equal(value?.source, 'clouds.yaml+secure.yaml');
  });

  test('a mistake in either file points into that file', () => {
    const bad = `clouds:\n  lab:\n    interface: sideways\n`;
    const { diagnostics } = openstack.parseCloudsYaml(clouds, 'clouds.yaml', 'lab', {
      secure: { text: bad, file: 'secure.yaml' },
    });
    assert.deepEqual(diagnostics.map(formatDiagnostic), [
      "clouds.yaml:4:7: error OPENSTACK_CONFIG: cloud 'lab': password authentication needs a password",
      "secure.yaml:3:16: error OPENSTACK_CONFIG: cloud 'lab': interface must be public, internal or admin, got 'sideways'",
    ]);
  });

  test('found where openstacksdk looks: OS_CLIENT_SECURE_FILE first, then ./, ~/.config/openstack, /etc/openstack', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aare-secure-'));
    const home = join(dir, 'home');
    const work = join(dir, 'work');
    mkdirSync(join(home, '.config/openstack'), { recursive: true });
    mkdirSync(work);
    writeFileSync(join(work, 'clouds.yaml'), clouds);
    writeFileSync(join(home, '.config/openstack/secure.yaml'), secure);
    const env = { HOME: home, OS_CLOUD: 'lab' };
    const fromHome = openstack.loadCloudConfig({ env, cwd: work });
    assert.deepEqual(fromHome.diagnostics, []);
    assert.equal(
      fromHome.value?.source,
      `${join(work, 'clouds.yaml')}+${join(home, '.config/openstack/secure.yaml')}`,
    );
    assert.equal((fromHome.value?.auth as openstack.PasswordAuth).password, 'from-secure');

    writeFileSync(join(dir, 'other-secure.yaml'), secure.replace('from-secure', 'from-override'));
    const overridden = openstack.loadCloudConfig({
      env: { ...env, OS_CLIENT_SECURE_FILE: join(dir, 'other-secure.yaml') },
      cwd: work,
    });
    assert.equal((overridden.value?.auth as openstack.PasswordAuth).password, 'from-override');

    assert.deepEqual(openstack.configFileCandidates('secure', { HOME: home }, work), [
      join(work, 'secure.yaml'),
      join(work, 'secure.yml'),
      join(work, 'secure.json'),
      join(home, '.config/openstack/secure.yaml'),
      join(home, '.config/openstack/secure.yml'),
      join(home, '.config/openstack/secure.json'),
      '/etc/openstack/secure.yaml',
      '/etc/openstack/secure.yml',
      '/etc/openstack/secure.json',
    ]);
    // OS_CLIENT_CONFIG_FILE goes in front of the list: a missing one falls back to the others
    const missing = openstack.loadCloudConfig({
      env: { ...env, OS_CLIENT_CONFIG_FILE: join(dir, 'absent.yaml') },
      cwd: work,
    });
    assert.equal(missing.value?.source.split('+')[0], join(work, 'clouds.yaml'));
  });

  test('a cloud only secure.yaml has is still found; one in neither names both files', () => {
    const onlySecure = openstack.parseCloudsYaml('clouds: {}\n', 'clouds.yaml', 'lab', {
      secure: {
        text: clouds.replace('project_name', 'password: p\n      project_name'),
        file: 'secure.yaml',
      },
    });
    assert.equal(onlySecure.value?.name, 'lab');
    const neither = openstack.parseCloudsYaml(clouds, 'clouds.yaml', 'other', {
      secure: { text: secure, file: 'secure.yaml' },
    });
    assert.equal(
      neither.diagnostics[0]?.summary,
      "cloud 'other' is not in clouds.yaml or secure.yaml (it has: lab)",
    );
  });
});

describe('TLS settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aare-tls-'));
  const pemFile = join(dir, 'ca.pem');
  writeFileSync(pemFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  writeFileSync(join(dir, 'not-a-cert.txt'), 'hello\n');
  const cloud = (extra: string) => `clouds:
  tls:
    auth:
      auth_url: https://keystone.example:5000/v3
      username: u
      password: p
${extra}`;

  test('cacert is read (relative to the working directory) and replaces the CA list', () => {
    const { value, diagnostics } = openstack.parseCloudsYaml(
      cloud('    cacert: ca.pem\n'),
      'clouds.yaml',
      'tls',
      {
        cwd: dir,
      },
    );
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(value?.tls, { ca: { file: pemFile, pem: readFileSync(pemFile, 'utf8') }, verify: true });
  });

  test('verify: false and insecure: true turn checking off; nothing set: no tls at all', () => {
    const off = openstack.parseCloudsYaml(cloud('    verify: false\n    cacert: ca.pem\n'), 'c.yaml', 'tls');
    assert.deepEqual(off.value?.tls, { verify: false });
    const insecure = openstack.parseCloudsYaml(cloud("    insecure: 'True'\n"), 'c.yaml', 'tls');
    assert.deepEqual(insecure.value?.tls, { verify: false });
    assert.equal(openstack.parseCloudsYaml(cloud(''), 'c.yaml', 'tls').value?.tls, undefined);
  });

  test('a cacert that is missing or no PEM, or a verify that is no boolean, points at its line', () => {
    const lines = (extra: string) =>
      openstack
        .parseCloudsYaml(cloud(extra), 'clouds.yaml', 'tls', { cwd: dir })
        .diagnostics.map(formatDiagnostic);
    assert.match(
      lines('    cacert: nowhere.pem\n')[0] ?? '',
      /^clouds\.yaml:7:13: error OPENSTACK_CONFIG: cloud 'tls': cacert nowhere\.pem cannot be read: ENOENT/,
    );
    assert.deepEqual(lines('    cacert: not-a-cert.txt\n'), [
      "clouds.yaml:7:13: error OPENSTACK_CONFIG: cloud 'tls': cacert not-a-cert.txt holds no PEM certificate",
    ]);
    assert.deepEqual(lines('    verify: sometimes\n'), [
      "clouds.yaml:7:13: error OPENSTACK_CONFIG: cloud 'tls': verify must be true or false, got 'sometimes'",
    ]);
  });

  test('OS_CACERT and OS_INSECURE for a cloud from OS_* variables', () => {
    const env = { OS_AUTH_URL: 'https://k:5000', OS_USERNAME: 'u', OS_PASSWORD: 'p' };
    assert.deepEqual(
      openstack.loadCloudConfig({ env: { ...env, OS_CACERT: pemFile } }).value?.tls?.ca?.file,
      pemFile,
    );
    assert.deepEqual(openstack.loadCloudConfig({ env: { ...env, OS_INSECURE: 'true' } }).value?.tls, {
      verify: false,
    });
    assert.equal(
      formatDiagnostic(
        openstack.loadCloudConfig({ env: { ...env, OS_CACERT: join(dir, 'not-a-cert.txt') } })
          .diagnostics[0]!,
      ),
      `OS_CACERT: error OPENSTACK_CONFIG: OS_* variables: cacert ${join(dir, 'not-a-cert.txt')} holds no PEM certificate`,
    );
  });
});

describe('which cloud', () => {
  test("--os-cloud wins; OS_CLOUD only when it names aare.yaml's cloud; a different one stops", () => {
    assert.equal(openstack.chooseCloud({}, 'prod'), 'prod');
    assert.equal(openstack.chooseCloud({ envCloud: 'prod' }, 'prod'), 'prod');
    assert.equal(openstack.chooseCloud({ cloud: 'staging', envCloud: 'dev' }, 'prod'), 'staging');
    const clash = openstack.chooseCloud({ envCloud: 'dev' }, 'prod');
    assert.equal(typeof clash, 'object');
    assert.equal(
      formatDiagnostic(clash as Diagnostic),
      "OS_CLOUD: error OPENSTACK_CONFIG: 'dev' is not the cloud aare.yaml names in endpoints.openstack.cloud ('prod'): choose with --os-cloud prod or --os-cloud dev, or unset OS_CLOUD",
    );
  });

  test("settings: --os-cloud arrives as AARE_OS_CLOUD, OS_CLOUD as the shell's", () => {
    const s = openstack.openstackProvider.settings({ AARE_OS_CLOUD: 'a', OS_CLOUD: 'b' });
    assert.equal(s.cloud, 'a');
    assert.equal(s.envCloud, 'b');
  });

  test('the name envvars (or OS_CLOUD_NAME) means the OS_* variables when there is no clouds.yaml', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aare-envvars-'));
    const env = { HOME: dir, OS_AUTH_URL: 'http://k:5000', OS_USERNAME: 'u', OS_PASSWORD: 'p' };
    assert.equal(
      openstack.loadCloudConfig({ cloud: 'envvars', env, cwd: dir }).value?.authUrl,
      'http://k:5000/v3',
    );
    const named = openstack.loadCloudConfig({
      cloud: 'mine',
      env: { ...env, OS_CLOUD_NAME: 'mine' },
      cwd: dir,
    });
    assert.equal(named.value?.name, 'mine');
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
