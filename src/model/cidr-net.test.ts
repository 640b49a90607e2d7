import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { cidrsOverlap, parseCidr } from './cidr-net.js';

const cidr = (s: string) => {
  const r = parseCidr(s);
  assert.ok(r.cidr, `${s}: ${r.problem}`);
  return r.cidr;
};

test('valid networks', () => {
  assert.equal(cidr('10.20.1.0/24').last - cidr('10.20.1.0/24').first, 255n);
  assert.equal(cidr('0.0.0.0/0').prefix, 0);
  assert.equal(cidr('192.168.1.7/32').first, cidr('192.168.1.7/32').last);
  assert.equal(cidr('2001:db8::/32').family, 6);
  assert.equal(cidr('fd00:1:2:3::/64').prefix, 64);
});

test('invalid networks say why', () => {
  assert.match(parseCidr('10.20.1.0').problem!, /not in CIDR notation/);
  assert.match(parseCidr('10.20.1.256/24').problem!, /not a valid IPv4 address/);
  assert.match(parseCidr('10.20.01.0/24').problem!, /not a valid IPv4 address/);
  assert.match(parseCidr('10.20.1.0/33').problem!, /longer than 32 bits/);
  assert.match(parseCidr('10.20.1.1/24').problem!, /host bits set; the network is 10\.20\.1\.0\/24/);
  assert.match(parseCidr('2001:db8::1::/64').problem!, /not a valid IPv6 address/);
  assert.match(parseCidr('2001:db8::1/64').problem!, /host bits set/);
});

test('overlap', () => {
  assert.equal(cidrsOverlap(cidr('10.1.0.0/16'), cidr('10.1.2.0/24')), true);
  assert.equal(cidrsOverlap(cidr('10.1.1.0/24'), cidr('10.1.2.0/24')), false);
  assert.equal(cidrsOverlap(cidr('10.1.1.0/25'), cidr('10.1.1.128/25')), false);
  assert.equal(cidrsOverlap(cidr('10.1.1.0/24'), cidr('10.1.1.255/32')), true);
  assert.equal(cidrsOverlap(cidr('10.0.0.0/8'), cidr('fd00::/8')), false, 'families never overlap');
});
