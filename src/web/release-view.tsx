// One release for one customer (docs/portal.md): what it changes against the customer's
// production, packages and parameters side by side, the decision in force, and the form to
// accept or reject it, shown only to those whose grants allow deciding (a reader sees none); and
// for the provider's operators, the deploy to test and the promotion, followed live as jobs.
import { useState } from 'react';
import type { FormEvent } from 'react';
import { allows, api, ApiError, customerNode, post } from './api-client.js';
import type { Session } from './api-client.js';
import { Failure, Link, Loading, PageHeading, show, when } from './common.js';
import { JobButton } from './job-progress.js';
import type { Customer, ReleaseDiff } from './portal-types.js';
import { useLoad } from './use-load.js';

export function ReleaseView(props: { session: Session; customer: string; release: string }) {
  const { session, customer, release } = props;
  const data = useLoad(async () => {
    const c = await api<Customer>(`/customers/${encodeURIComponent(customer)}`);
    const diff = await api<ReleaseDiff>(
      `/releases/${encodeURIComponent(release)}/customers/${encodeURIComponent(customer)}/diff`,
    );
    return { c, diff };
  }, [customer, release]);
  if (data.error) return <Failure error={data.error} />;
  if (!data.value) return <Loading what="the release's changes" />;
  const { c, diff } = data.value;
  const node = customerNode(c.reseller, c.name);
  const mayDecide = allows(session, 'release.decide', node);
  const mayDecideOnBehalf = !mayDecide && allows(session, 'release.decide-on-behalf', node);
  const mayDeploy = allows(session, 'release.deploy', node);
  const mayPromote = allows(session, 'release.promote', node);
  const rolloutPath = (verb: string) =>
    `/api/v1/releases/${encodeURIComponent(diff.release)}/customers/${encodeURIComponent(c.name)}/${verb}`;
  const packages = diff.repositories.flatMap((r) => [
    ...r.upgraded.map((u) => ({ repo: r.repository, name: `${u.name}.${u.arch}`, from: u.from, to: u.to })),
    ...r.added.map((p) => ({
      repo: r.repository,
      name: `${p.name}.${p.arch}`,
      from: undefined,
      to: nevra(p),
    })),
    ...r.removed.map((p) => ({
      repo: r.repository,
      name: `${p.name}.${p.arch}`,
      from: nevra(p),
      to: undefined,
    })),
  ]);
  return (
    <>
      <PageHeading>
        Release {diff.release} for {c.displayName}
      </PageHeading>
      <p>
        <Link to={`/customers/${c.name}`}>Back to {c.displayName}</Link>
      </p>
      <p>
        Compared against <strong>{diff.environment}</strong>: commit{' '}
        <code>{diff.commit.from?.slice(0, 12) ?? '(none yet)'}</code> →{' '}
        <code>{diff.commit.to.slice(0, 12)}</code>.
      </p>
      <section aria-labelledby="decision">
        <h2 id="decision">Decision</h2>
        <p id="decision-state">
          {diff.acceptance ? (
            <>
              <strong className={diff.acceptance.decision}>{diff.acceptance.decision}</strong> by{' '}
              {diff.acceptance.decidedBy} on {when(diff.acceptance.decidedAt)}
              {diff.acceptance.comment ? `: “${diff.acceptance.comment}”` : ''}
              {diff.acceptance.current ? '' : ' — the changes differ since, so it no longer counts'}
            </>
          ) : (
            'Not decided yet. Production is not updated before the release is accepted.'
          )}
        </p>
        {mayDecide || mayDecideOnBehalf ? (
          <DecisionForm
            release={diff.release}
            customer={c.name}
            onBehalf={mayDecideOnBehalf}
            onDone={data.reload}
          />
        ) : null}
      </section>
      {mayDeploy || mayPromote ? (
        <section aria-labelledby="rollout">
          <h2 id="rollout">Rollout</h2>
          {mayDeploy ? <JobButton label="Deploy to test" path={rolloutPath('deployments')} /> : null}
          {mayPromote ? <JobButton label="Promote to production" path={rolloutPath('promotions')} /> : null}
        </section>
      ) : null}
      <section aria-labelledby="packages">
        <h2 id="packages">Packages ({packages.length})</h2>
        {packages.length === 0 ? (
          <p>No package changes.</p>
        ) : (
          <div className="scroll">
            <table className="diff cards">
              <thead>
                <tr>
                  <th scope="col">Package</th>
                  <th scope="col">Repository</th>
                  <th scope="col">In production now</th>
                  <th scope="col">With this release</th>
                </tr>
              </thead>
              <tbody>
                {packages.map((p) => (
                  <tr key={`${p.repo}/${p.name}`}>
                    <th scope="row">{p.name}</th>
                    <td data-label="Repository">{p.repo}</td>
                    <td data-label="In production now" className="before">
                      {p.from ?? '(not installed)'}
                    </td>
                    <td data-label="With this release" className="after">
                      {p.to ?? '(removed)'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-labelledby="parameters">
        <h2 id="parameters">Parameters</h2>
        {diff.parameters.length === 0 ? <p>No parameter changes.</p> : null}
        {diff.parameters.map((vm) => (
          <div key={vm.vm} className="scroll">
            <table className="diff cards">
              <caption>
                {vm.vm} ({vm.status})
              </caption>
              <thead>
                <tr>
                  <th scope="col">Parameter</th>
                  <th scope="col">In production now</th>
                  <th scope="col">With this release</th>
                  <th scope="col">Set in</th>
                </tr>
              </thead>
              <tbody>
                {vm.parameters.map((p) => (
                  <tr key={`${p.profile}::${p.name}`}>
                    <th scope="row">
                      {p.profile}::{p.name}
                    </th>
                    <td data-label="In production now" className="before">
                      {p.sensitive ? '(secret)' : show(p.from)}
                    </td>
                    <td data-label="With this release" className="after">
                      {p.sensitive ? '(secret, changed)' : show(p.to)}
                    </td>
                    <td data-label="Set in">{p.origin ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      </section>
    </>
  );
}

const nevra = (p: { version: string; release: string }): string => `${p.version}-${p.release}`;

function DecisionForm(props: { release: string; customer: string; onBehalf: boolean; onDone: () => void }) {
  const [comment, setComment] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>();
  const decide = async (decision: 'accepted' | 'rejected') => {
    setBusy(true);
    setMessage({ ok: true, text: 'Sending your decision…' });
    try {
      await post(
        `/api/v1/releases/${encodeURIComponent(props.release)}/customers/${encodeURIComponent(props.customer)}/decision`,
        {
          decision,
          ...(comment.trim() ? { comment: comment.trim() } : {}),
          ...(props.onBehalf ? { onBehalf: { reason: reason.trim() } } : {}),
        },
      );
      setMessage({ ok: true, text: `Release ${props.release} ${decision}.` });
      props.onDone();
    } catch (err) {
      const e = err as Error;
      const detail =
        err instanceof ApiError && err.errors.length
          ? `: ${err.errors.map((x) => x.summary).join('; ')}`
          : '';
      setMessage({ ok: false, text: `${e.message}${detail}` });
    } finally {
      setBusy(false);
    }
  };
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const submitter = (e.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    void decide(submitter?.value === 'rejected' ? 'rejected' : 'accepted');
  };
  return (
    <form onSubmit={onSubmit} aria-describedby="decision-state">
      <label htmlFor="comment">Comment (optional)</label>
      <textarea id="comment" value={comment} maxLength={2000} onChange={(e) => setComment(e.target.value)} />
      {props.onBehalf ? (
        <>
          <label htmlFor="reason">Why you decide on the customer's behalf (audited)</label>
          <input
            id="reason"
            required
            value={reason}
            maxLength={2000}
            onChange={(e) => setReason(e.target.value)}
          />
        </>
      ) : null}
      <div className="buttons">
        <button type="submit" name="decision" value="accepted" disabled={busy}>
          Accept release {props.release}
        </button>
        <button type="submit" name="decision" value="rejected" className="secondary" disabled={busy}>
          Reject
        </button>
      </div>
      <p role="status" aria-live="polite" className={message && !message.ok ? 'error' : ''}>
        {message?.text ?? ''}
      </p>
    </form>
  );
}
