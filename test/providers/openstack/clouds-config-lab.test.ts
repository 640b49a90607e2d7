// How the cloud is configured, against the lab's Keystone: a clouds.yaml without its passwords
// plus a secure.yaml with them; cacert and verify through a TLS front (a local https server with a
// CA made for the test, forwarding to Keystone); and the CLI's choice of cloud (--os-cloud,
// OS_CLOUD against aare.yaml's cloud).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { openstack } from '../../../src/providers/index.js';
import { freePort } from '../../free-port.js';
import { skipWithoutLab } from './lab-cloud.js';

const root = resolve(import.meta.dirname, '../../..');

interface CloudsFile {
  clouds: Record<string, { auth: Record<string, unknown> } & Record<string, unknown>>;
}

/** The lab's clouds.yaml, split as an operator keeps it: passwords in secure.yaml. */
function splitLabClouds(dir: string): { clouds: string; secure: string; lab: CloudsFile } {
  const lab = parse(readFileSync(process.env.OS_CLIENT_CONFIG_FILE!, 'utf8')) as CloudsFile;
  const open: CloudsFile = { clouds: {} };
  const secret: CloudsFile = { clouds: {} };
  for (const [name, cloud] of Object.entries(lab.clouds)) {
    const { password, ...auth } = cloud.auth;
    open.clouds[name] = { ...cloud, auth };
    secret.clouds[name] = { auth: { password } };
  }
  const clouds = join(dir, 'clouds.yaml');
  const secure = join(dir, 'secure.yaml');
  writeFileSync(clouds, stringify(open));
  writeFileSync(secure, stringify(secret));
  assert.doesNotMatch(readFileSync(clouds, 'utf8'), /password/);
  return { clouds, secure, lab };
}

function client(cloud: string, env: NodeJS.ProcessEnv): openstack.OpenStackClient {
  // no retries: a failed handshake is reported at once
  return openstack.openStackClientFromEnv({ cloud, env, retry: { retries: 0 } });
}

describe('clouds.yaml + secure.yaml against the lab', { skip: skipWithoutLab }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'aare-secure-lab-'));
  const files = skipWithoutLab ? undefined : splitLabClouds(dir);

  test('passwords from secure.yaml authenticate; without it, the missing password is named', async () => {
    const env = { HOME: dir, OS_CLIENT_CONFIG_FILE: files!.clouds, OS_CLIENT_SECURE_FILE: files!.secure };
    const token = await client('aare-lab', env).session.token();
    assert.equal(token.userName, 'admin');
    assert.ok(token.roles.includes('admin'));
    const demo = await client('aare-lab-demo', env).session.token();
    assert.equal(demo.userName, 'demo');

    const withoutSecure = openstack.loadCloudConfig({
      cloud: 'aare-lab',
      env: { HOME: dir, OS_CLIENT_CONFIG_FILE: files!.clouds },
      cwd: dir,
    });
    // the temp dir has secure.yaml in ./ as well: look from elsewhere
    const elsewhere = mkdtempSync(join(tmpdir(), 'aare-nosecure-'));
    const none = openstack.loadCloudConfig({
      cloud: 'aare-lab',
      env: { HOME: elsewhere, OS_CLIENT_CONFIG_FILE: files!.clouds },
      cwd: elsewhere,
    });
    assert.equal(withoutSecure.value?.source, `${files!.clouds}+${files!.secure}`, './secure.yaml is found');
    assert.equal(none.value, undefined);
    assert.match(
      none.diagnostics[0]?.summary ?? '',
      /needs a password \(none here, and no secure.yaml found\)/,
    );
  });
});

describe('cacert and verify against a TLS front of the lab Keystone', { skip: skipWithoutLab }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'aare-tls-lab-'));
  let server: Server | undefined;
  let authUrl = '';

  before(async () => {
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    ssl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '1',
      '-subj',
      '/CN=aare test CA',
    );
    ssl('req', ...ec, '-keyout', 'tls.key', '-out', 'tls.csr', '-subj', '/CN=127.0.0.1');
    writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    ssl(
      'x509', '-req', '-in', 'tls.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', 'tls.pem', '-days', '1', '-extfile', 'san.ext',
    ); // prettier-ignore
    const [host, port] = process.env.AARE_LAB_KEYSTONE!.split(':');
    server = createHttpsServer(
      { key: readFileSync(join(dir, 'tls.key')), cert: readFileSync(join(dir, 'tls.pem')) },
      (req, res) => {
        const up = httpRequest(
          { host, port, path: req.url, method: req.method, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        up.on('error', () => res.destroy());
        req.pipe(up);
      },
    );
    const listenOn = await freePort();
    await new Promise<void>((ok) => server!.listen(listenOn, '127.0.0.1', ok));
    authUrl = `https://127.0.0.1:${listenOn}/v3`;
  });
  after(() => new Promise<void>((ok) => (server ? server.close(() => ok()) : ok())));

  function cloudsWith(extra: Record<string, unknown>): NodeJS.ProcessEnv {
    const lab = parse(readFileSync(process.env.OS_CLIENT_CONFIG_FILE!, 'utf8')) as CloudsFile;
    const cloud = lab.clouds['aare-lab']!;
    const file = join(dir, `clouds-${Object.keys(extra).join('-') || 'plain'}.yaml`);
    writeFileSync(
      file,
      stringify({ clouds: { tls: { ...cloud, auth: { ...cloud.auth, auth_url: authUrl }, ...extra } } }),
    );
    return { HOME: dir, OS_CLIENT_CONFIG_FILE: file };
  }

  test('with cacert the handshake succeeds and Keystone answers', async () => {
    const token = await client('tls', cloudsWith({ cacert: join(dir, 'ca.pem') })).session.token();
    assert.equal(token.userName, 'admin');
  });

  test('without cacert the certificate is refused', async () => {
    await assert.rejects(client('tls', cloudsWith({})).session.token(), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'OPENSTACK_UNAVAILABLE');
      assert.match(err.message, /certificate/);
      return true;
    });
  });

  test('verify: false accepts the certificate unchecked', async () => {
    const token = await client('tls', cloudsWith({ verify: false })).session.token();
    assert.equal(token.userName, 'admin');
  });
});

describe(
  'the CLI chooses the cloud: --os-cloud, else aare.yaml; OS_CLOUD never silently',
  { skip: skipWithoutLab },
  () => {
    const demo = mkdtempSync(join(tmpdir(), 'aare-oscloud-'));
    cpSync(join(root, 'examples/demo'), demo, { recursive: true });

    function aare(args: string[], env: NodeJS.ProcessEnv) {
      return new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
        const child = spawn('node', [join(root, 'bin/aare.mjs'), ...args], {
          cwd: demo,
          env: { ...process.env, AARE_OPENSTACK_PREFIX: `aaret-oscloud-`, ...env },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.on('close', (status) => done({ status, stdout, stderr }));
      });
    }

    test('OS_CLOUD naming another cloud than aare.yaml stops, naming both and how to choose', async () => {
      const r = await aare(['plan'], { OS_CLOUD: 'aare-lab-demo' });
      assert.equal(r.status, 1, r.stderr);
      assert.equal(
        r.stderr.trim(),
        "OS_CLOUD: error OPENSTACK_CONFIG: 'aare-lab-demo' is not the cloud aare.yaml names in endpoints.openstack.cloud ('aare-lab'): choose with --os-cloud aare-lab or --os-cloud aare-lab-demo, or unset OS_CLOUD",
      );
      assert.equal(r.stdout, '');
    });

    test('--os-cloud picks the other cloud of clouds.yaml, before or after the command', async () => {
      const unknown = await aare(['--os-cloud', 'nope', 'plan'], {});
      assert.equal(unknown.status, 1);
      assert.match(
        unknown.stderr,
        /cloud 'nope' is not in .*clouds\.yaml \(it has: aare-lab, aare-lab-demo\)/,
      );
      // the demo user may not list Keystone domains: the 403 shows its credentials were the ones used
      const asDemo = await aare(['plan', '--customer', 'velo-club-biel', '--os-cloud', 'aare-lab-demo'], {
        OS_CLOUD: 'aare-lab-demo',
      });
      assert.equal(asDemo.status, 1, asDemo.stderr);
      assert.match(asDemo.stderr, /OPENSTACK_FORBIDDEN: list domains: .*identity:list_domains/);
      const empty = await aare(['plan', '--os-cloud', ''], {});
      assert.equal(empty.status, 2);
      assert.match(empty.stderr, /^error USAGE: option '--os-cloud <name>' argument '' is invalid/);
    });
  },
);
