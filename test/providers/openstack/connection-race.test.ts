// A kept-alive connection that closes before its answer, against the lab's Keystone and Neutron.
// A small HTTP proxy on 127.0.0.1 sits in front of each; armed with a fault, it takes the next
// matching request that arrives on a connection used before and closes that connection without
// answering: either without forwarding the request ("not reached") or after Keystone or Neutron
// answered it ("reached"). That is what a server's idle timeout does to a pooled connection at
// the wrong moment, made deterministic.
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  ConnectionLostError,
  createHttpTransport,
  DEFAULT_IDLE_TIMEOUT_MS,
  openstack,
} from '../../../src/providers/index.js';
import type { HttpTransport, HttpTransportOptions } from '../../../src/providers/index.js';
import { Cleanup, labClient, runPrefix, skipWithoutLab } from './lab-cloud.js';

type Fault = 'close-before' | 'close-after';

interface Seen {
  method: string;
  path: string;
  /** Which client connection, numbered from 1 in order of arrival. */
  connection: number;
  /** Requests this connection carried before this one (0: a new connection). */
  before: number;
  fault?: Fault;
}

async function faultProxy(upstream: URL) {
  const seen: Seen[] = [];
  const armed: { method: string; path: RegExp; fault: Fault }[] = [];
  const closedByClient = new Map<number, number>();
  const connections = new WeakMap<Socket, { id: number; requests: number }>();
  let nextId = 1;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const conn = connections.get(req.socket)!;
    const entry: Seen = {
      method: req.method ?? '',
      path: req.url ?? '',
      connection: conn.id,
      before: conn.requests++,
    };
    seen.push(entry);
    const i = armed.findIndex((a) => a.method === entry.method && a.path.test(entry.path));
    const fault = i >= 0 && entry.before > 0 ? armed.splice(i, 1)[0]!.fault : undefined;
    if (fault) entry.fault = fault;
    if (fault === 'close-before') {
      req.resume();
      req.on('end', () => req.socket.destroy());
      return;
    }
    const up = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, host: upstream.host, connection: 'close' },
        agent: false,
      },
      (upRes) => {
        if (fault === 'close-after') {
          upRes.resume();
          upRes.on('end', () => req.socket.destroy());
          return;
        }
        const { connection: _c, 'keep-alive': _k, ...headers } = upRes.headers;
        res.writeHead(upRes.statusCode ?? 502, headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => req.socket.destroy());
    req.pipe(up);
  });
  // the proxy never closes an idle connection first: the client's own idle timeout is under test
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket: Socket) => {
    const id = nextId++;
    connections.set(socket, { id, requests: 0 });
    socket.on('end', () => closedByClient.set(id, Date.now()));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    upstream: upstream.origin,
    seen,
    closedByClient,
    /** The next `method` to a path matching `path` on a reused connection gets `fault`. */
    arm(method: string, path: RegExp, fault: Fault) {
      armed.push({ method, path, fault });
    },
    disarm() {
      armed.length = 0;
    },
    requests(method: string, path: RegExp) {
      return seen.filter((s) => s.method === method && path.test(s.path.split('?')[0]!));
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

type Proxy = Awaited<ReturnType<typeof faultProxy>>;

/** The real transport, with requests for the upstreams sent to their proxies instead. */
function throughProxies(proxies: Proxy[], opts: Omit<HttpTransportOptions, 'unavailableCode'>) {
  const inner = createHttpTransport({ ...opts, unavailableCode: 'OPENSTACK_UNAVAILABLE' });
  const transport: HttpTransport = {
    stats: inner.stats,
    request(req) {
      const p = proxies.find((x) => req.url.startsWith(x.upstream));
      return inner.request(p ? { ...req, url: p.origin + req.url.slice(p.upstream.length) } : req);
    },
  };
  return transport;
}

describe('a kept-alive connection closed before the answer (lab)', { skip: skipWithoutLab }, () => {
  const cleanup = new Cleanup();
  const prefix = runPrefix();
  let direct: openstack.OpenStackClient;
  let keystone: Proxy;
  let neutron: Proxy;
  let domainId: string;
  before(async () => {
    direct = labClient();
    keystone = await faultProxy(new URL(direct.cloud.authUrl));
    neutron = await faultProxy(new URL(await direct.session.endpoint('network')));
    const domain = (await openstack.listDomains(direct, { name: 'Default' }))[0];
    assert.ok(domain, 'the lab has the Default domain');
    domainId = domain.id;
  });
  after(async () => {
    await keystone?.close();
    await neutron?.close();
    await cleanup.run();
  });

  /**
   * A client through the proxies. Its idle timeout is long, so that a call follows the previous
   * one on the same connection however slow the machine is: the fault needs a reused connection.
   */
  async function proxiedClient() {
    const transport = throughProxies([keystone, neutron], { idleTimeoutMs: 60_000 });
    const c = new openstack.OpenStackClient({ cloud: direct.cloud, transport });
    await openstack.listProjects(c, { name: `${prefix}warm-up` });
    return c;
  }

  /** Registered before the create, so that what a failing create made is removed too. */
  const removeProjectsNamed = (name: string) =>
    cleanup.add(`delete projects ${name}`, async () => {
      for (const p of await projectsNamed(name)) await openstack.deleteProject(direct, p.id);
    });
  const removeNetworksNamed = (name: string) =>
    cleanup.add(`delete networks ${name}`, async () => {
      for (const n of await openstack.networks.list(direct, { name }))
        await openstack.networks.delete(direct, n.id);
    });

  const projectsNamed = async (name: string) =>
    (await openstack.listProjects(direct, { name, domainId })).filter((p) => p.name === name);

  test('Keystone closes an idle connection after 4 s without a Keep-Alive hint; the client closes its own sooner', async () => {
    const ks = new URL(direct.cloud.authUrl);
    const keystoneIdle = new Promise<{ ms: number; keepAliveHeader: boolean }>((resolve, reject) => {
      const s = connect(Number(ks.port), ks.hostname);
      let answeredAt = 0;
      let head = '';
      s.on('connect', () =>
        s.write(`GET /v3 HTTP/1.1\r\nHost: ${ks.host}\r\nConnection: keep-alive\r\n\r\n`),
      );
      s.on('data', (d: Buffer) => {
        head += d.toString('latin1');
        answeredAt ||= Date.now();
      });
      s.on('end', () => {
        s.destroy();
        resolve({ ms: Date.now() - answeredAt, keepAliveHeader: /\r\nkeep-alive:/i.test(head) });
      });
      s.on('error', reject);
    });
    // the default transport, through the proxy (which keeps idle connections for 60 s)
    const t = throughProxies([keystone], {});
    const from = keystone.seen.length;
    await t.request({ method: 'GET', url: `${ks.origin}/v3` });
    const answered = Date.now();
    const conn = keystone.seen[from]!.connection;
    const clientClosed = await new Promise<number>((resolve) => {
      const poll = setInterval(() => {
        const at = keystone.closedByClient.get(conn);
        if (at !== undefined) {
          clearInterval(poll);
          resolve(at - answered);
        }
      }, 50);
    });
    const ksIdle = await keystoneIdle;
    assert.equal(ksIdle.keepAliveHeader, false, 'uWSGI announces no Keep-Alive timeout');
    assert.ok(ksIdle.ms >= 3_500 && ksIdle.ms < 6_000, `Keystone closed after ${ksIdle.ms} ms`);
    assert.ok(
      DEFAULT_IDLE_TIMEOUT_MS <= ksIdle.ms - 1_500,
      'the idle timeout leaves a margin for a busy event loop',
    );
    assert.ok(
      clientClosed >= DEFAULT_IDLE_TIMEOUT_MS - 100 && clientClosed < ksIdle.ms,
      `the client closed its idle connection after ${clientClosed} ms, Keystone after ${ksIdle.ms} ms`,
    );
  });

  test('a GET whose connection closes unanswered is sent again at once, on a new connection', async () => {
    const c = await proxiedClient();
    // two idle connections of the same age, both closed by the server as its idle timeout does:
    // a retry that took the other idle one would fail again
    await Promise.all([1, 2].map((n) => openstack.listProjects(c, { name: `${prefix}warm-up-${n}` })));
    const retriesBefore = c.transport.stats.retries;
    keystone.arm('GET', /^\/v3\/projects\?/, 'close-before');
    keystone.arm('GET', /^\/v3\/projects\?/, 'close-before');
    const found = await openstack.listProjects(c, { name: `${prefix}none`, domainId });
    keystone.disarm();
    assert.deepEqual(found, []);
    const gets = keystone.requests('GET', /^\/v3\/projects$/).slice(-2);
    assert.equal(gets[0]?.fault, 'close-before');
    assert.ok(gets[0]!.before > 0, 'the closed connection had carried a request before');
    assert.equal(gets[1]?.before, 0, 'the retry went out on a new connection');
    assert.equal(gets[1]?.fault, undefined);
    assert.equal(c.transport.stats.retries - retriesBefore, 1);
  });

  test('a POST /v3/projects that reached Keystone is not sent again: the project is adopted', async () => {
    const c = await proxiedClient();
    const name = `${prefix}reached`;
    const posts = keystone.requests('POST', /^\/v3\/projects$/).length;
    keystone.arm('POST', /^\/v3\/projects$/, 'close-after');
    removeProjectsNamed(name);
    const project = await openstack.createProject(c, { name, domainId, description: `${prefix}marker-1` });
    const all = await projectsNamed(name);
    assert.deepEqual(
      all.map((p) => p.id),
      [project.id],
      'exactly one project of that name, the one returned',
    );
    assert.equal(project.description, `${prefix}marker-1`);
    const sent = keystone.requests('POST', /^\/v3\/projects$/).slice(posts);
    assert.deepEqual(
      sent.map((s) => s.fault),
      ['close-after'],
      'one POST: it reached Keystone, its answer was lost',
    );
  });

  test('a POST /v3/projects that did not reach Keystone is sent again on a new connection', async () => {
    const c = await proxiedClient();
    const name = `${prefix}not-reached`;
    const posts = keystone.requests('POST', /^\/v3\/projects$/).length;
    keystone.arm('POST', /^\/v3\/projects$/, 'close-before');
    removeProjectsNamed(name);
    const project = await openstack.createProject(c, { name, domainId, description: `${prefix}marker-2` });
    assert.deepEqual(
      (await projectsNamed(name)).map((p) => p.id),
      [project.id],
    );
    const sent = keystone.requests('POST', /^\/v3\/projects$/).slice(posts);
    assert.equal(sent.length, 2);
    assert.equal(sent[0]!.fault, 'close-before');
    assert.equal(sent[1]!.before, 0, 'the second POST went out on a new connection');
  });

  test("another's project of the same name is never adopted: the create fails with Keystone's conflict", async () => {
    const name = `${prefix}stranger`;
    removeProjectsNamed(name);
    await openstack.createProject(direct, { name, domainId, description: 'not aare' });
    const c = await proxiedClient();
    keystone.arm('POST', /^\/v3\/projects$/, 'close-before');
    await assert.rejects(
      openstack.createProject(c, { name, domainId, description: `${prefix}marker-3` }),
      (err: unknown) => err instanceof ConnectionLostError === false && isConflict(err),
    );
    assert.deepEqual(
      (await projectsNamed(name)).map((p) => p.description),
      ['not aare'],
    );
  });

  test('a Neutron network whose create reached Neutron is adopted, tags included', async () => {
    const c = await proxiedClient();
    await openstack.networks.list(c, { name: `${prefix}warm-up` });
    const name = `${prefix}net`;
    neutron.arm('POST', /^\/v2\.0\/networks$/, 'close-after');
    removeNetworksNamed(name);
    const net = await openstack.networks.create(c, {
      name,
      description: `${prefix}marker-4`,
      tags: ['aare-managed'],
    });
    const all = (await openstack.networks.list(direct, { name })).filter((n) => n.name === name);
    assert.deepEqual(
      all.map((n) => [n.id, n.tags]),
      [[net.id, ['aare-managed']]],
    );
    assert.equal(neutron.requests('POST', /^\/v2\.0\/networks$/).length, 1);
  });

  test('a create with nothing that identifies it is not repeated: the lost connection is the error', async () => {
    const c = await proxiedClient();
    await openstack.networks.list(c, { name: `${prefix}warm-up` });
    const name = `${prefix}anonymous`;
    const posts = neutron.requests('POST', /^\/v2\.0\/networks$/).length;
    neutron.arm('POST', /^\/v2\.0\/networks$/, 'close-after');
    removeNetworksNamed(name);
    await assert.rejects(openstack.networks.create(c, { name }), (err: unknown) => {
      assert.ok(err instanceof ConnectionLostError, String(err));
      assert.equal(err.code, 'OPENSTACK_UNAVAILABLE');
      assert.equal(err.reusedConnection, true);
      return true;
    });
    assert.equal(neutron.requests('POST', /^\/v2\.0\/networks$/).length - posts, 1);
  });
});

function isConflict(err: unknown): boolean {
  return (
    (err as { code?: unknown }).code === 'OPENSTACK_CONFLICT' && (err as { status?: unknown }).status === 409
  );
}
