// A customer's page (docs/portal.md): its environments and VMs, the next release with a link to
// its diff, and the history of its releases with what was deployed and decided.
import { api, getAll } from './api-client.js';
import { Failure, Link, Loading, PageHeading, when } from './common.js';
import type { Customer, Environment, Release, VmSummary } from './portal-types.js';
import { useLoad } from './use-load.js';

export function CustomerView({ customer }: { customer: string }) {
  const data = useLoad(async () => {
    const [c, environments, vms, releases] = await Promise.all([
      api<Customer>(`/customers/${encodeURIComponent(customer)}`),
      getAll<Environment>(`/customers/${encodeURIComponent(customer)}/environments`),
      getAll<VmSummary>(`/customers/${encodeURIComponent(customer)}/vms`),
      getAll<Release>('/releases'),
    ]);
    return { c, environments, vms, releases: releases.sort((a, b) => b.name.localeCompare(a.name)) };
  }, [customer]);
  if (data.error) return <Failure error={data.error} />;
  if (!data.value) return <Loading what="the customer" />;
  const { c, environments, vms, releases } = data.value;
  const next = releases[0];
  const decisionOf = (r: Release) => r.decisions.find((d) => d.customer === customer);
  return (
    <>
      <PageHeading>{c.displayName}</PageHeading>
      <p className="muted">
        Customer <code>{c.name}</code> of reseller <code>{c.reseller}</code>
      </p>
      <section aria-labelledby="next-release">
        <h2 id="next-release">Next release</h2>
        {next ? (
          <p>
            Release <strong>{next.name}</strong>, frozen {when(next.frozenAt)}:{' '}
            <DecisionText d={decisionOf(next)} />.{' '}
            <Link to={`/customers/${customer}/releases/${next.name}`}>Review the changes of {next.name}</Link>
          </p>
        ) : (
          <p>No release has been frozen yet.</p>
        )}
      </section>
      <section aria-labelledby="environments">
        <h2 id="environments">Environments</h2>
        <div className="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Environment</th>
                <th scope="col">Network</th>
                <th scope="col">Production window</th>
              </tr>
            </thead>
            <tbody>
              {environments.map((e) => (
                <tr key={e.name}>
                  <th scope="row">{e.name}</th>
                  <td>{e.network.cidr}</td>
                  <td>
                    {e.productionWindow
                      ? `${e.productionWindow.start} for ${e.productionWindow.duration}`
                      : 'the provider’s'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section aria-labelledby="vms">
        <h2 id="vms">Virtual machines</h2>
        <div className="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">VM</th>
                <th scope="col">Role</th>
                <th scope="col">Flavor</th>
                <th scope="col">Host name</th>
              </tr>
            </thead>
            <tbody>
              {vms.map((v) => (
                <tr key={v.address}>
                  <th scope="row">
                    {v.environment}/{v.name}
                  </th>
                  <td>{v.role}</td>
                  <td>{v.flavor}</td>
                  <td>{v.fqdn}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section aria-labelledby="history">
        <h2 id="history">Releases</h2>
        <div className="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Release</th>
                <th scope="col">Frozen</th>
                <th scope="col">Deployed to</th>
                <th scope="col">Decision</th>
              </tr>
            </thead>
            <tbody>
              {releases.map((r) => (
                <tr key={r.name}>
                  <th scope="row">
                    <Link to={`/customers/${customer}/releases/${r.name}`}>{r.name}</Link>
                  </th>
                  <td>{when(r.frozenAt)}</td>
                  <td>
                    {r.deployed
                      .filter((d) => d.customer === customer)
                      .map((d) => d.environment)
                      .join(', ') || 'not yet'}
                  </td>
                  <td>
                    <DecisionText d={decisionOf(r)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

function DecisionText({ d }: { d: Release['decisions'][number] | undefined }) {
  if (!d) return <span className="pending">not decided yet</span>;
  return (
    <span className={d.decision}>
      {d.decision}
      {d.current ? '' : ' (the diff changed since: decide again)'}
    </span>
  );
}
