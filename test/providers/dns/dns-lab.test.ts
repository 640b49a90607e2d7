// The DNS provider against the lab's real PowerDNS: the engine with the DNS drivers only, in a
// zone and reverse zone of the test's own. Checks what the DNS server answers (dig), that records
// made by hand are never touched, that a hand change is drift, and that a killed apply is finished
// by the next one with no duplicate and no orphan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { applyPlan, recoverInterrupted, EngineState, hasChanges } from '../../../src/engine/index.js';
import { openStore } from '../../../src/store/index.js';
import { dns } from '../../../src/providers/index.js';
import {
  desiredRRsets,
  dig,
  dropZones,
  engineCtx,
  labClient,
  labSkip,
  ownedRRsets,
  uniqueWorld,
  worldResources,
} from './dns-lab-helpers.js';
import { actions, converge, plan } from '../../engine/engine-steps.js';

test(
  'DNS lab: records appear, hand records survive, hand changes are drift, removed VMs lose their names',
  { skip: labSkip },
  async () => {
    const w = uniqueWorld();
    const zone = `${w.domain}.`;
    const reverse = dns.reverseZoneOf(w.cidr);
    const store = await openStore({ sqlitePath: ':memory:' });
    const client = labClient();
    try {
      const ctx = engineCtx(store);
      // `shop` is declared by both VMs: one A record with both addresses
      const two = worldResources(w, [
        { name: 'web1', host: 10, aliases: ['www', 'shop'] },
        { name: 'db1', host: 11, aliases: ['shop'] },
      ]);
      const first = await converge(ctx, two);
      assert.equal(first.changes.filter((c) => c.action === 'create').length, two.length);
      assert.ok(!JSON.stringify(first).includes(process.env.AARE_LAB_DNS_API_KEY!), 'no secret in the plan');
      const web1 = `web1.test.acme.${zone}`;
      assert.deepEqual(await dig(web1, 'A'), [`${w.net}.10`]);
      assert.deepEqual(await dig(`db1.test.acme.${zone}`, 'A'), [`${w.net}.11`]);
      assert.deepEqual(await dig(dns.ptrNameOf(`${w.net}.10`), 'PTR'), [web1]);
      assert.deepEqual(await dig(dns.ptrNameOf(`${w.net}.11`), 'PTR'), [`db1.test.acme.${zone}`]);
      // dig +short follows the CNAME and prints the target, then its address
      assert.deepEqual(await dig(`www.test.acme.${zone}`, 'CNAME'), [web1]);
      assert.deepEqual(await dig(`shop.test.acme.${zone}`, 'A'), [`${w.net}.10`, `${w.net}.11`]);
      assert.deepEqual(await ownedRRsets(zone), desiredRRsets(two, zone));
      assert.deepEqual(await ownedRRsets(reverse), desiredRRsets(two, reverse));
      assert.equal(hasChanges(await plan(ctx, two)), false);

      // records made by hand: one beside Aare's, one where a VM will want its name
      await client.patchRRsets(zone, [
        {
          changetype: 'REPLACE',
          name: `hand.${zone}`,
          type: 'A',
          ttl: 60,
          records: [{ content: '192.0.2.1', disabled: false }],
        },
        {
          changetype: 'REPLACE',
          name: `mail.test.acme.${zone}`,
          type: 'TXT',
          ttl: 60,
          records: [{ content: '"v=spf1 -all"', disabled: false }],
        },
        {
          changetype: 'REPLACE',
          name: `app1.test.acme.${zone}`,
          type: 'A',
          ttl: 60,
          records: [{ content: '192.0.2.7', disabled: false }],
        },
      ]);
      assert.equal(hasChanges(await plan(ctx, two)), false, 'records made by hand are not Aare’s business');

      // a hand change to Aare's A record (PowerDNS keeps the RRset's comment) is drift
      await client.patchRRsets(zone, [
        {
          changetype: 'REPLACE',
          name: web1,
          type: 'A',
          ttl: 300,
          records: [{ content: `${w.net}.99`, disabled: false }],
        },
      ]);
      const drift = await plan(ctx, two);
      const aAddress = dns.addressOf.rrset(zone, web1, 'A');
      assert.deepEqual(actions(drift), { [aAddress]: 'update' });
      const change = drift.changes.find((c) => c.address === aAddress)!;
      assert.deepEqual(change.reasons, ['changed outside Aare']);
      assert.deepEqual(change.attrs, [{ path: 'records', before: [`${w.net}.99`], after: [`${w.net}.10`] }]);
      assert.equal((await applyPlan(ctx, drift)).diagnostics.length, 0);
      assert.deepEqual(await dig(web1, 'A'), [`${w.net}.10`]);

      // a VM whose name a hand record holds: the create fails, the hand record stays
      const taken = worldResources(w, [
        { name: 'web1', host: 10, aliases: ['www', 'shop'] },
        { name: 'db1', host: 11, aliases: ['shop'] },
        { name: 'app1', host: 12 },
      ]);
      const refused = await applyPlan(ctx, await plan(ctx, taken));
      assert.deepEqual(
        refused.diagnostics.map((d) => [d.code, d.address]),
        [['DNS_CONFLICT', dns.addressOf.rrset(zone, `app1.test.acme.${zone}`, 'A')]],
      );
      assert.deepEqual(await dig(`app1.test.acme.${zone}`, 'A'), ['192.0.2.7']);

      // db1 and app1 removed (app1's PTR was made before its A failed), web1 loses an alias: their
      // names are gone, everything else stays
      const one = worldResources(w, [{ name: 'web1', host: 10, aliases: ['shop'] }]);
      const removal = await converge(ctx, one);
      assert.deepEqual(actions(removal), {
        [dns.addressOf.rrset(zone, `db1.test.acme.${zone}`, 'A')]: 'delete',
        [dns.addressOf.rrset(reverse, dns.ptrNameOf(`${w.net}.11`), 'PTR')]: 'delete',
        [dns.addressOf.rrset(reverse, dns.ptrNameOf(`${w.net}.12`), 'PTR')]: 'delete',
        [dns.addressOf.rrset(zone, `www.test.acme.${zone}`, 'CNAME')]: 'delete',
        [dns.addressOf.rrset(zone, `shop.test.acme.${zone}`, 'A')]: 'delete',
        [dns.addressOf.rrset(zone, `shop.test.acme.${zone}`, 'CNAME')]: 'create',
      });
      assert.deepEqual(await dig(`db1.test.acme.${zone}`, 'A'), []);
      assert.deepEqual(await dig(dns.ptrNameOf(`${w.net}.11`), 'PTR'), []);
      assert.deepEqual(await dig(`www.test.acme.${zone}`, 'CNAME'), []);
      assert.deepEqual(await dig(`shop.test.acme.${zone}`, 'CNAME'), [web1]);
      assert.deepEqual(await dig(`shop.test.acme.${zone}`, 'A'), [web1, `${w.net}.10`].sort());
      assert.deepEqual(await dig(web1, 'A'), [`${w.net}.10`]);
      assert.deepEqual(await ownedRRsets(zone), desiredRRsets(one, zone));

      // destroy: Aare's records and its now empty reverse zone go; the forward zone keeps the hand
      // records, so it stays
      await converge(ctx, [], 'destroy');
      assert.deepEqual(await ownedRRsets(zone), []);
      assert.equal(await client.getZone(reverse), undefined);
      assert.deepEqual(await dig(`hand.${zone}`, 'A'), ['192.0.2.1']);
      assert.deepEqual(await dig(`mail.test.acme.${zone}`, 'TXT'), ['"v=spf1 -all"']);
      assert.deepEqual(await dig(`app1.test.acme.${zone}`, 'A'), ['192.0.2.7']);
      assert.deepEqual(await new EngineState(store).resources(), []);
    } finally {
      await store.close();
      await dropZones(zone, reverse);
    }
  },
);

test(
  'DNS lab: SIGKILL during an apply that creates records, then apply again: no duplicate, no orphan',
  { skip: labSkip },
  async () => {
    const w = uniqueWorld();
    const zone = `${w.domain}.`;
    const reverse = dns.reverseZoneOf(w.cidr);
    const dir = mkdtempSync(join(tmpdir(), 'aare-dns-crash-'));
    const vms = Array.from({ length: 8 }, (_, i) => ({
      name: `vm${i}`,
      host: 10 + i,
      aliases: [`alias${i}`],
    }));
    const desired = worldResources(w, vms);
    try {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(import.meta.dirname, 'dns-apply-child.ts')],
        {
          env: { ...process.env, DNS_CHILD: JSON.stringify({ db: join(dir, 'state.db'), w, vms }) },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      let rrsetsDone = 0;
      createInterface({ input: child.stdout }).on('line', (line) => {
        const e = JSON.parse(line) as { type: string; address?: string };
        if (e.type === 'resource.done' && e.address?.startsWith('dns.rrset.') && ++rrsetsDone === 3)
          child.kill('SIGKILL');
      });
      const exit = await new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_c, s) => res(s)));
      assert.equal(exit, 'SIGKILL', `the child was to be killed mid-apply; it ended on its own: ${stderr}`);
      const before = [...(await ownedRRsets(zone)), ...(await ownedRRsets(reverse))];
      const rrsets = desired.filter((d) => d.kind === 'dns.rrset').length;
      assert.ok(before.length >= 3 && before.length < rrsets, `killed after some records: ${before.length}`);

      const store = await openStore({ sqlitePath: join(dir, 'state.db') });
      try {
        const ctx = engineCtx(store);
        await recoverInterrupted(ctx);
        const p = await plan(ctx, desired);
        assert.ok(
          p.changes.some((c) => c.action === 'create'),
          'the rest is still to be created',
        );
        assert.equal(p.changes.filter((c) => c.action === 'delete').length, 0);
        assert.deepEqual((await applyPlan(ctx, p)).diagnostics, []);
        assert.deepEqual(await ownedRRsets(zone), desiredRRsets(desired, zone));
        assert.deepEqual(await ownedRRsets(reverse), desiredRRsets(desired, reverse));
        const recorded = (await new EngineState(store).resources()).map((r) => r.address).sort();
        assert.deepEqual(recorded, desired.map((d) => d.address).sort());
        // every name has exactly its one record
        for (const v of vms)
          assert.deepEqual(await dig(`${v.name}.test.acme.${zone}`, 'A'), [`${w.net}.${v.host}`]);
        assert.equal(hasChanges(await plan(ctx, desired)), false);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await dropZones(zone, reverse);
    }
  },
);

test(
  'DNS lab: the rrset driver puts a service name’s new type in place of its old one in one PATCH, and refuses names of others',
  { skip: labSkip },
  async () => {
    const w = uniqueWorld();
    const zone = `${w.domain}.`;
    const client = labClient();
    const drivers = dns.dnsDrivers(client);
    const rr = drivers.get('dns.rrset')!;
    const signal = new AbortController().signal;
    try {
      await drivers
        .get('dns.zone')!
        .create({ address: dns.addressOf.zone(zone), desired: { name: zone }, signal });
      const name = `shop.test.acme.${zone}`;
      const a = { zone, name, type: 'A', ttl: 300, records: [`${w.net}.10`, `${w.net}.11`] };
      const aAddress = dns.addressOf.rrset(zone, name, 'A');
      await rr.create({ address: aAddress, desired: a, signal });
      // the CNAME is created while the old A is still there (its delete may come later)
      const cname = { zone, name, type: 'CNAME', ttl: 300, records: [`web1.test.acme.${zone}`] };
      const cAddress = dns.addressOf.rrset(zone, name, 'CNAME');
      await rr.create({ address: cAddress, desired: cname, signal });
      assert.deepEqual(await ownedRRsets(zone), [`${cAddress} ${name} CNAME web1.test.acme.${zone}`]);
      // the old A's own delete then finds nothing of its own and succeeds
      const prior = { id: `${name}|A`, ...a };
      await rr.delete({ address: aAddress, prior, signal });
      assert.deepEqual(await dig(name, 'CNAME'), [`web1.test.acme.${zone}`]);
      // a hand CNAME is never displaced
      await client.patchRRsets(zone, [
        {
          changetype: 'REPLACE',
          name: `hand.${zone}`,
          type: 'CNAME',
          ttl: 60,
          records: [{ content: `x.${zone}`, disabled: false }],
        },
      ]);
      const handA = { zone, name: `hand.${zone}`, type: 'A', ttl: 300, records: [`${w.net}.12`] };
      await assert.rejects(
        rr.create({ address: dns.addressOf.rrset(zone, `hand.${zone}`, 'A'), desired: handA, signal }),
        (e: { code?: string }) => e.code === 'DNS_CONFLICT',
      );
      assert.deepEqual(await dig(`hand.${zone}`, 'CNAME'), [`x.${zone}`]);
    } finally {
      await dropZones(zone);
    }
  },
);
