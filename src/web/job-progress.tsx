// Long work started from the portal (docs/portal.md): a button POSTs the job route, and the job's
// progress follows live from its event stream (docs/api.md, "Progress: Server-Sent Events"), with
// the session cookie, in a live region that ends with the job's result. EventSource resumes after
// the last event it saw (Last-Event-ID) when the connection drops; it is closed at the job's
// last event, since it would otherwise reconnect to a stream that has ended.
import { useEffect, useState } from 'react';
import { api, ApiError, post } from './api-client.js';

interface JobAnswer {
  id: string;
  state: 'queued' | 'running' | 'succeeded' | 'failed';
  errors?: { code: string; summary: string }[];
}

/**
 * The event types a job sends (docs/api.md): EventSource hands named events only to listeners
 * of that name, so each is listed; job.succeeded and job.failed end the stream.
 */
const EVENT_TYPES = [
  'job.started',
  'diagnostic',
  'plan.start',
  'plan.done',
  'refresh.start',
  'refresh.progress',
  'refresh.done',
  'apply.start',
  'resource.pre',
  'resource.done',
  'resource.failed',
  'resource.skipped',
  'build.start',
  'build.done',
  'rollout.step',
  'emergency',
];
const END_TYPES = ['job.succeeded', 'job.failed'];

interface Line {
  id: string;
  text: string;
}

/** One line a person reads for an event: its type and the few fields that say what happened. */
function describe(type: string, data: Record<string, unknown>): string {
  const parts = ['address', 'customer', 'environment', 'status', 'to', 'kind', 'package', 'code']
    .filter((k) => typeof data[k] === 'string')
    .map((k) => `${k} ${String(data[k])}`);
  const d = data.diagnostic as { summary?: string } | undefined;
  if (d?.summary) parts.push(d.summary);
  return parts.length ? `${type}: ${parts.join(', ')}` : type;
}

export function JobButton(props: { label: string; path: string; body?: unknown }) {
  const [job, setJob] = useState<string | undefined>();
  const [lines, setLines] = useState<Line[]>([]);
  const [end, setEnd] = useState<{ ok: boolean; text: string } | undefined>();
  const [busy, setBusy] = useState(false);

  const start = async () => {
    setBusy(true);
    setLines([]);
    setEnd(undefined);
    try {
      const j = await post<JobAnswer>(props.path, props.body ?? {});
      setJob(j.id);
    } catch (err) {
      const detail =
        err instanceof ApiError && err.errors.length
          ? `: ${err.errors.map((x) => x.summary).join('; ')}`
          : '';
      setEnd({ ok: false, text: `${(err as Error).message}${detail}` });
      setBusy(false);
    }
  };

  useEffect(() => {
    if (!job) return;
    const source = new EventSource(`/api/v1/jobs/${encodeURIComponent(job)}/events`);
    const onEvent = (e: MessageEvent<string>) => {
      const data = JSON.parse(e.data) as Record<string, unknown>;
      setLines((ls) => [...ls, { id: e.lastEventId, text: describe(e.type, data) }]);
    };
    const onEnd = (e: MessageEvent<string>) => {
      onEvent(e);
      source.close();
      // the job's errors are in the job itself, not in its last event
      void api<JobAnswer>(`/jobs/${encodeURIComponent(job)}`)
        .then((j) =>
          setEnd(
            j.state === 'succeeded'
              ? { ok: true, text: `Job ${j.id} succeeded.` }
              : {
                  ok: false,
                  text: `Job ${j.id} failed: ${(j.errors ?? []).map((x) => `${x.code}: ${x.summary}`).join('; ')}`,
                },
          ),
        )
        .catch((err: unknown) => setEnd({ ok: false, text: (err as Error).message }))
        .finally(() => setBusy(false));
    };
    for (const t of EVENT_TYPES) source.addEventListener(t, onEvent);
    for (const t of END_TYPES) source.addEventListener(t, onEnd);
    return () => source.close();
  }, [job]);

  const region = `job-progress-${props.label.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <div className="job">
      <button type="button" onClick={() => void start()} disabled={busy} aria-describedby={region}>
        {props.label}
      </button>
      <div id={region} role="log" aria-live="polite" aria-label={`Progress: ${props.label}`}>
        {job ? <p>Job {job}</p> : null}
        <ol>
          {lines.map((l) => (
            <li key={l.id}>{l.text}</li>
          ))}
        </ol>
        {end ? (
          <p role="status" className={end.ok ? '' : 'error'}>
            {end.text}
          </p>
        ) : null}
      </div>
    </div>
  );
}
