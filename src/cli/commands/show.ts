// `aare show`: the loaded model as tables, or as JSON for scripts; `aare show plan FILE` renders a
// plan stored by `aare plan --out` as `aare plan` showed it.
import type { Command } from 'commander';
import { action, EXIT, oneOf, printDiagnostics, UsageError } from '../cli-run.js';
import { hasErrors } from '../../diag/index.js';
import type { ControlRepo, Vm } from '../../model/index.js';
import { controlRepoFlag, repoAliasFlag, relativeToCwd, requireControlRepoDir, withApp } from '../cli-app.js';
import type { ControlRepoFlags } from '../cli-app.js';
import { renderTable } from '../cli-table.js';
import type { Remote } from '../cli-remote.js';

const kinds = ['customers', 'roles', 'profiles', 'vms'] as const;
type Kind = (typeof kinds)[number];
const whats = [...kinds, 'plan'] as const;

export function register(program: Command): void {
  program
    .command('show')
    .description('list customers, roles, profiles or VMs of the control repository, or render a stored plan')
    .argument('[what]', whats.join(' | '), 'vms')
    .argument('[file]', 'with plan: the file `aare plan --out FILE` stored')
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .option('--json', 'print JSON instead of a table (a plan: NDJSON as `aare plan --json`)')
    .action(
      action(async (what: string, file: string | undefined, opts: ControlRepoFlags & { json?: boolean }) => {
        const chosen = oneOf('show', what, whats);
        if (chosen === 'plan') {
          if (!file) throw new UsageError('show plan needs the plan file: aare show plan FILE');
          const { readPlanFile } = await import('../../engine/index.js');
          const { planOutput } = await import('../plan-output.js');
          planOutput(!!opts.json).plan(readPlanFile(file), file);
          return EXIT.ok;
        }
        if (file !== undefined) throw new UsageError(`show ${chosen} takes no file, got '${file}'`);
        const kind: Kind = chosen;
        const { remoteServer } = await import('../cli-remote.js');
        const remote = remoteServer();
        if (remote) return printRows(kind, await remoteRows(remote, kind), !!opts.json);
        requireControlRepoDir(opts.controlRepo);
        const { value: controlRepo, diagnostics } = await withApp(opts, (app) =>
          Promise.resolve(app.loadControlRepo()),
        );
        if (hasErrors(diagnostics)) {
          printDiagnostics(relativeToCwd(opts.controlRepo, diagnostics));
          process.stderr.write('the control repository has errors; run `aare validate`\n');
          return EXIT.failed;
        }
        // loaded on use, like the model itself: `aare --help` does not load the model's code
        const { vmSummary } = await import('../../model/index.js');
        return printRows(kind, rowsOf(controlRepo, kind, vmSummary), !!opts.json);
      }),
    );
}

async function printRows(kind: Kind, rows: object[], json: boolean): Promise<number> {
  if (json) {
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return EXIT.ok;
  }
  const spec = tables[kind];
  const cells = rows.map((r) => spec.cells(r as Row));
  process.stdout.write((await renderTable(spec.head, cells, { rowLines: false })) + '\n');
  return EXIT.ok;
}

interface ApiCustomer {
  name: string;
  reseller: string;
  displayName: string;
  contact: unknown;
  environments: string[];
}

/**
 * The rows of `show customers|vms` from the API: the customers the token may read, each with its
 * environments' networks and its VMs. The API has no roles or profiles: those stay local.
 */
async function remoteRows(remote: Remote, kind: Kind): Promise<object[]> {
  if (kind === 'roles' || kind === 'profiles')
    throw new UsageError(`show ${kind} has no API route: run it without --server on the control repository`);
  const { apiList, apiPath } = await import('../cli-remote.js');
  const customers = (await apiList<ApiCustomer>(remote, '/customers')).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  );
  const vmsOf = (c: ApiCustomer) =>
    apiList<{ address: string }>(remote, apiPath('/customers/{customer}/vms', { customer: c.name }));
  if (kind === 'vms') {
    const vms = (await Promise.all(customers.map(vmsOf))).flat();
    // the model's order: by address, as the control repository lists its VMs
    return vms.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  }
  return Promise.all(
    customers.map(async (c) => {
      const [envs, vms] = await Promise.all([
        apiList<{ name: string; network: { cidr: string } }>(
          remote,
          apiPath('/customers/{customer}/environments', { customer: c.name }),
        ),
        vmsOf(c),
      ]);
      const cidr = new Map(envs.map((e) => [e.name, e.network.cidr]));
      return {
        name: c.name,
        displayName: c.displayName,
        reseller: c.reseller,
        environments: c.environments,
        networks: Object.fromEntries(c.environments.map((e) => [e, cidr.get(e)])),
        contact: c.contact,
        vms: vms.length,
      };
    }),
  );
}

function rowsOf(controlRepo: ControlRepo, kind: Kind, vmSummary: (vm: Vm) => object): object[] {
  switch (kind) {
    case 'vms':
      return controlRepo.vms.map(vmSummary);
    case 'customers':
      return [...controlRepo.customers.values()]
        .sort((a, b) => (a.name < b.name ? -1 : 1))
        .map((c) => ({
          name: c.name,
          displayName: c.displayName,
          reseller: c.reseller,
          environments: [...c.environments.keys()],
          networks: Object.fromEntries([...c.environments.values()].map((e) => [e.name, e.network.cidr])),
          contact: c.contact,
          vms: controlRepo.vms.filter((v) => v.customer === c.name).length,
        }));
    case 'roles':
      return [...controlRepo.roles.values()]
        .sort((a, b) => (a.name < b.name ? -1 : 1))
        .map((r) => ({
          name: r.name,
          description: r.description,
          customer: r.customer ?? null,
          profiles: r.profiles,
          defaults: r.defaults,
          vms: controlRepo.vms.filter((v) => v.role === r.name).length,
        }));
    case 'profiles':
      return [...controlRepo.profiles.values()]
        .sort((a, b) => (a.name < b.name ? -1 : 1))
        .map((p) => ({
          name: p.name,
          description: p.description,
          puppetClass: p.puppetClass,
          customer: p.customer ?? null,
          parameters: [...p.parameters].map(([name, x]) => ({
            name,
            type: x.typeText,
            required: x.required,
            ...(x.required ? {} : { default: x.default ?? null }),
            ...(x.doc ? { doc: x.doc } : {}),
          })),
          packages: p.packages,
          services: p.services,
          firewall: p.firewall,
          backup: p.backup,
          logs: p.logs,
          dnsNames: p.dnsNames,
          sendsMail: p.sendsMail,
        }));
  }
}

type Row = Record<string, unknown>;
const list = (v: unknown) => (Array.isArray(v) ? v.join(', ') : String(v ?? ''));

const tables: Record<Kind, { head: string[]; cells: (r: Row) => string[] }> = {
  vms: {
    head: ['address', 'role', 'flavor', 'image', 'fqdn'],
    cells: (r) => [r.address, r.role, r.flavor, r.image, r.fqdn].map(list),
  },
  customers: {
    head: ['customer', 'reseller', 'name', 'environments', 'VMs'],
    cells: (r) => [
      list(r.name),
      list(r.reseller),
      list(r.displayName),
      Object.entries(r.networks as Record<string, string>)
        .map(([e, c]) => `${e} ${c}`)
        .join('\n'),
      list(r.vms),
    ],
  },
  roles: {
    head: ['role', 'customer', 'profiles', 'VMs'],
    cells: (r) => [list(r.name), list(r.customer ?? '-'), list(r.profiles), list(r.vms)],
  },
  profiles: {
    head: ['profile', 'class', 'customer', 'parameters', 'ports'],
    cells: (r) => [
      list(r.name),
      list(r.puppetClass),
      list(r.customer ?? '-'),
      (r.parameters as { name: string; type: string; required: boolean }[])
        .map((p) => `${p.name}: ${p.type}${p.required ? ' (required)' : ''}`)
        .join('\n'),
      (r.firewall as { port: number; protocol: string }[]).map((f) => `${f.port}/${f.protocol}`).join(', '),
    ],
  },
};
