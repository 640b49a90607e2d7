// A small client for Pulp 3's REST API (pulpcore + pulp_rpm): HTTP Basic, JSON, paginated lists,
// and tasks awaited until they end. Pulp's failures become typed diagnostics (PULP_*), so the
// repository service reports them like its own (see docs/repository.md, "The Pulp back end").
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { DiagnosticsError, error } from '../diag/index.js';

export interface PulpConnection {
  /** The API's origin, e.g. http://127.0.0.1:24817 (the API root /pulp/api/v3/ is appended). */
  url: string;
  username: string;
  password: string;
  /** How long a task may run before Aare gives up waiting (it keeps running in Pulp). */
  taskTimeoutMs?: number;
}

export interface Task {
  state: 'waiting' | 'skipped' | 'running' | 'completed' | 'failed' | 'canceled' | 'canceling';
  created_resources: string[];
  error?: { description?: string; traceback?: string } | null;
  name: string;
  progress_reports?: { code: string; done: number; total: number | null }[];
}

export interface PulpClient {
  readonly apiRoot: string;
  get<T>(path: string): Promise<T>;
  /** Every result of a paginated list. */
  list<T>(path: string): Promise<T[]>;
  /** POST/PATCH/DELETE; when Pulp answers 202 with a task, waits for it and returns its resources. */
  call<T = unknown>(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
  /** POST that starts a task; waits for it and returns the ended task (with its progress reports). */
  runTask(path: string, body: unknown): Promise<Task>;
  /** Uploads one file synchronously (content/rpm/packages/upload/); returns the package href. */
  uploadPackage(file: string): Promise<string>;
}

const fail = (code: 'PULP_AUTH' | 'PULP_UNAVAILABLE' | 'PULP_BAD_REQUEST' | 'PULP_TASK_FAILED', s: string) =>
  new DiagnosticsError([error(code, s, { address: 'pulp' })]);

export function openPulpClient(conn: PulpConnection): PulpClient {
  const origin = conn.url.replace(/\/+$/, '');
  const apiRoot = '/pulp/api/v3/';
  const auth = 'Basic ' + Buffer.from(`${conn.username}:${conn.password}`).toString('base64');
  const href = (path: string) => (path.startsWith('/') ? path : apiRoot + path);

  async function request(
    method: string,
    path: string,
    body?: unknown,
    form?: FormData,
    whole = false,
  ): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(origin + href(path), {
        method,
        headers: {
          authorization: auth,
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: form ?? (body !== undefined ? JSON.stringify(body) : undefined),
      });
    } catch (err) {
      throw fail('PULP_UNAVAILABLE', `Pulp at ${origin} is unreachable: ${(err as Error).message}`);
    }
    const text = await res.text();
    if (res.status === 401 || res.status === 403) {
      throw fail(
        'PULP_AUTH',
        `Pulp refused ${method} ${href(path)} for user ${conn.username} (${res.status})`,
      );
    }
    if (res.status >= 500)
      throw fail('PULP_UNAVAILABLE', `Pulp failed ${method} ${href(path)} (${res.status})`);
    if (res.status >= 400) {
      throw fail(
        'PULP_BAD_REQUEST',
        `Pulp rejected ${method} ${href(path)} (${res.status}): ${text.slice(0, 500)}`,
      );
    }
    const json: unknown = text ? JSON.parse(text) : undefined;
    if (res.status === 202 && json && typeof json === 'object' && 'task' in json) {
      return awaitTask((json as { task: string }).task, whole);
    }
    return json;
  }

  // Pulp runs a task in well under a second here; polling starts fast and backs off to 0.5 s
  async function awaitTask(taskHref: string, whole: boolean): Promise<string[] | Task> {
    const deadline = Date.now() + (conn.taskTimeoutMs ?? 600_000);
    for (let wait = 20; ; wait = Math.min(wait * 2, 500)) {
      const t = (await request('GET', taskHref)) as Task;
      if (t.state === 'completed' || t.state === 'skipped') return whole ? t : t.created_resources;
      if (t.state === 'failed' || t.state === 'canceled') {
        throw fail(
          'PULP_TASK_FAILED',
          `Pulp task ${t.name} ${t.state}: ${t.error?.description ?? 'no error given'} (${taskHref})`,
        );
      }
      if (Date.now() > deadline) throw fail('PULP_UNAVAILABLE', `Pulp task ${taskHref} did not end in time`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  return {
    apiRoot,
    get: async <T>(path: string) => (await request('GET', path)) as T,
    list: async <T>(path: string) => {
      const out: T[] = [];
      let next: string | null = path + (path.includes('?') ? '&' : '?') + 'limit=1000';
      while (next) {
        const page = (await request(
          'GET',
          next.startsWith('http') ? new URL(next).pathname + new URL(next).search : next,
        )) as {
          results: T[];
          next: string | null;
        };
        out.push(...page.results);
        next = page.next;
      }
      return out;
    },
    call: async <T>(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown) =>
      (await request(method, path, body)) as T,
    runTask: async (path: string, body: unknown) => {
      const t = await request('POST', path, body, undefined, true);
      if (!t || Array.isArray(t) || !('state' in (t as object))) {
        throw fail('PULP_BAD_REQUEST', `Pulp started no task for POST ${href(path)}`);
      }
      return t as Task;
    },
    uploadPackage: async (file: string) => {
      const form = new FormData();
      form.set('file', new Blob([await readFile(file)]), basename(file));
      const r = (await request('POST', 'content/rpm/packages/upload/', undefined, form)) as
        { pulp_href: string } | string[];
      // 201 with the package, or (older Pulp) a task whose resources name it
      const created = Array.isArray(r) ? r.find((h) => h.includes('/content/rpm/packages/')) : r.pulp_href;
      if (!created) throw fail('PULP_TASK_FAILED', `Pulp did not report the package it stored for ${file}`);
      return created;
    },
  };
}
