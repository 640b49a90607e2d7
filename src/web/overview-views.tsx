// The provider's and the reseller's pages (docs/portal.md): customers (the API lists only those
// the caller may read), releases with their deployments and decisions, the maintenance calendar
// and the audit log.
import { getAll } from './api-client.js';
import { Failure, Link, Loading, PageHeading, when } from './common.js';
import type { AuditEntry, Customer, Release, WindowEntry } from './portal-types.js';
import { useLoad } from './use-load.js';

export function CustomersView({ title }: { title: string }) {
  const data = useLoad(async () => {
    const [customers, releases] = await Promise.all([
      getAll<Customer>('/customers'),
      getAll<Release>('/releases'),
    ]);
    return { customers, releases: releases.sort((a, b) => b.name.localeCompare(a.name)) };
  }, []);
  if (data.error) return <Failure error={data.error} />;
  if (!data.value) return <Loading what="customers" />;
  const { customers, releases } = data.value;
  const latest = releases[0];
  return (
    <>
      <PageHeading>{title}</PageHeading>
      <section aria-labelledby="customers">
        <h2 id="customers">Customers ({customers.length})</h2>
        <div className="scroll">
          <table className="cards">
            <thead>
              <tr>
                <th scope="col">Customer</th>
                <th scope="col">Reseller</th>
                <th scope="col">Environments</th>
                <th scope="col">{latest ? `Release ${latest.name}` : 'Release'}</th>
              </tr>
            </thead>
            <tbody>
              {customers.map((c) => {
                const d = latest?.decisions.find((x) => x.customer === c.name);
                const on =
                  latest?.deployed.filter((x) => x.customer === c.name).map((x) => x.environment) ?? [];
                return (
                  <tr key={c.name}>
                    <th scope="row">
                      <Link to={`/customers/${c.name}`}>{c.displayName}</Link>
                    </th>
                    <td data-label="Reseller">{c.reseller}</td>
                    <td data-label="Environments">{c.environments.join(', ')}</td>
                    <td data-label={latest ? `Release ${latest.name}` : 'Release'}>
                      {latest ? (
                        <Link to={`/customers/${c.name}/releases/${latest.name}`}>
                          {d ? d.decision : 'not decided'}
                          {on.length ? `, on ${on.join(', ')}` : ''}
                        </Link>
                      ) : (
                        '—'
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </section>
      <section aria-labelledby="releases">
        <h2 id="releases">Releases</h2>
        <ul>
          {releases.map((r) => (
            <li key={r.name}>
              <strong>{r.name}</strong>, frozen {when(r.frozenAt)}, snapshot <code>{r.snapshot}</code>:{' '}
              {r.deployed.length} deployments, {r.decisions.filter((d) => d.decision === 'accepted').length}{' '}
              acceptances
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

export function WindowsView() {
  const data = useLoad(() => getAll<WindowEntry>('/windows'), []);
  if (data.error) return <Failure error={data.error} />;
  if (!data.value) return <Loading what="the maintenance calendar" />;
  return (
    <>
      <PageHeading>Maintenance calendar</PageHeading>
      <div className="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">What</th>
              <th scope="col">Where</th>
              <th scope="col">From</th>
              <th scope="col">Until</th>
            </tr>
          </thead>
          <tbody>
            {data.value.map((w) => (
              <tr key={`${w.kind}|${w.customer ?? ''}|${w.environment ?? ''}|${w.start}`}>
                <th scope="row">{w.kind}</th>
                <td>{w.customer ? `${w.customer}/${w.environment ?? ''}` : 'all customers'}</td>
                <td>{when(w.start)}</td>
                <td>{when(w.end)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

export function AuditView() {
  const data = useLoad(() => getAll<AuditEntry>('/audit'), []);
  if (data.error) return <Failure error={data.error} />;
  if (!data.value) return <Loading what="the audit log" />;
  const entries = [...data.value].reverse();
  return (
    <>
      <PageHeading>Audit log</PageHeading>
      <div className="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Where</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id}>
                <td>{when(e.at)}</td>
                <td>{e.actor}</td>
                <th scope="row">{e.action}</th>
                <td>{e.scope || 'provider'}</td>
                <td>{e.result}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
