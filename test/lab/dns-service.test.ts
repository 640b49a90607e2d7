// The lab's PowerDNS is usable as other areas will use it: a zone and a record through the HTTP
// API, answered on the DNS port at once (caches off), and the zone deleted again.
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';

const api = process.env.AARE_LAB_DNS;
const server = process.env.AARE_LAB_DNS_SERVER;
const key = process.env.AARE_LAB_DNS_API_KEY ?? '';
const skip =
  api && server
    ? false
    : 'needs the lab DNS: AARE_LAB_DNS/AARE_LAB_DNS_SERVER unset (run: eval "$(aare lab env)")';

describe('lab dns (PowerDNS)', { skip }, () => {
  test('zone and A record via the API, answered on the DNS port, zone deleted', async () => {
    const zone = `t${randomBytes(4).toString('hex')}.aare.test.`;
    const base = `http://${api}/api/v1/servers/localhost`;
    const headers = { 'X-API-Key': key, 'Content-Type': 'application/json' };
    const created = await fetch(`${base}/zones`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: zone, kind: 'Native', nameservers: ['ns1.aare.test.'] }),
    });
    assert.equal(created.status, 201);
    try {
      const patched = await fetch(`${base}/zones/${zone}`, {
        method: 'PATCH',
        headers,
        body: JSON.stringify({
          rrsets: [
            {
              name: `web1.${zone}`,
              type: 'A',
              ttl: 300,
              changetype: 'REPLACE',
              records: [{ content: '192.0.2.10', disabled: false }],
            },
          ],
        }),
      });
      assert.equal(patched.status, 204);
      const resolver = new Resolver();
      const [host, port] = (server ?? '').split(':');
      resolver.setServers([`${host}:${port}`]);
      assert.deepEqual(await resolver.resolve4(`web1.${zone.slice(0, -1)}`), ['192.0.2.10']);
    } finally {
      const deleted = await fetch(`${base}/zones/${zone}`, { method: 'DELETE', headers });
      assert.equal(deleted.status, 204);
    }
  });
});
