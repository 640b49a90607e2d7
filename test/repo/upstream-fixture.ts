// An upstream dnf/yum repository for mirror tests: toy RPMs from rpmbuild, repodata from
// createrepo_c, repomd.xml signed with a throwaway "upstream" key, served on 127.0.0.1 by a small
// node http server that counts requests per path and can hold one answer half-sent (so a test
// can kill a sync while that package downloads).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { signDetachedArmored } from '../../src/repo/index.js';
import type { SigningKey } from '../../src/repo/index.js';
import { buildSignedRpm, testKey } from './rpm-fixtures.js';
import type { ToyRpm } from './rpm-fixtures.js';

export interface Upstream {
  dir: string;
  url: string;
  keyUrl: string;
  key: SigningKey;
  /** Requests per path (`/a-1.0-1.noarch.rpm`), answered in full or not. */
  requests: Map<string, number>;
  /** Paths answered in full. */
  completed: Map<string, number>;
  /** Builds and adds packages, then writes and signs the repodata again. */
  add(...pkgs: ToyRpm[]): Promise<void>;
  /** Removes package files (by file name), then writes and signs the repodata again. */
  remove(...filenames: string[]): Promise<void>;
  /** Writes and signs the repodata of the files now in the directory. */
  publish(): Promise<void>;
  /**
   * The next request for `path` gets the headers and half its body, then waits until `until()`
   * holds (checked after each completed answer); then `onHeld` runs and the answer stays open.
   */
  hold(path: string, until: () => boolean, onHeld: () => void): void;
  close(): Promise<void>;
}

export async function openUpstream(): Promise<Upstream> {
  const dir = mkdtempSync(join(tmpdir(), 'aare-upstream-'));
  const rpms = join(dir, 'build');
  const repo = join(dir, 'repo');
  mkdirSync(rpms);
  mkdirSync(repo);
  const key = await testKey('upstream');
  writeFileSync(join(dir, 'RPM-GPG-KEY-upstream'), key.publicArmored);
  const requests = new Map<string, number>();
  const completed = new Map<string, number>();
  let held: { path: string; until: () => boolean; onHeld: () => void } | undefined;
  const waiting: (() => void)[] = [];
  const bump = (m: Map<string, number>, p: string) => m.set(p, (m.get(p) ?? 0) + 1);
  const open = new Set<ServerResponse>();

  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    bump(requests, path);
    const file =
      path === '/RPM-GPG-KEY-upstream' ? join(dir, path) : join(repo, normalize(path).replace(/^\/+/, ''));
    let body: Buffer;
    try {
      body = readFileSync(file);
    } catch {
      res.writeHead(404).end();
      return;
    }
    res.on('finish', () => {
      bump(completed, path);
      for (const w of waiting.splice(0)) w();
    });
    if (held?.path === path) {
      const h = held;
      held = undefined;
      open.add(res);
      res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/x-rpm' });
      res.write(body.subarray(0, body.length >> 1));
      const check = () => (h.until() ? h.onHeld() : waiting.push(check));
      check();
      return;
    }
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;

  const publish = async () => {
    execFileSync('createrepo_c', ['-q', '--general-compress-type=gz', repo], { stdio: 'pipe' });
    const repomd = readFileSync(join(repo, 'repodata', 'repomd.xml'));
    writeFileSync(join(repo, 'repodata', 'repomd.xml.asc'), await signDetachedArmored(repomd, key));
  };
  return {
    dir: repo,
    url: `http://127.0.0.1:${port}/`,
    keyUrl: `http://127.0.0.1:${port}/RPM-GPG-KEY-upstream`,
    key,
    requests,
    completed,
    add: async (...pkgs) => {
      for (const p of pkgs) {
        const built = await buildSignedRpm(rpms, p, key);
        writeFileSync(join(repo, built.slice(rpms.length + 1)), readFileSync(built));
      }
      await publish();
    },
    remove: async (...filenames) => {
      for (const f of filenames) rmSync(join(repo, f));
      await publish();
    },
    publish,
    hold: (path, until, onHeld) => void (held = { path, until, onHeld }),
    close: async () => {
      for (const r of open) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
