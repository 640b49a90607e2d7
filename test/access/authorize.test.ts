// The one authorization function: each role on its node, against its own customer, another
// customer of its reseller and a customer of another reseller; what it cannot see is 404, what it
// sees but may not do is 403. Expected answers are written out per role here, not derived from
// the role table, so a change to a role shows up as a failing line.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { ACTIONS, ROLE_NAMES, allowedScopes, decide, inScopes, mayGrant } from '../../src/access/index.js';
import type { Action, Grant, Role } from '../../src/access/index.js';

const own = '/r/alpine-it/c/muster-ag';
const sibling = '/r/alpine-it/c/bergbahn-ag';
const foreign = '/r/seeland-web/c/uhrwerk-sa';
const home: Record<Role, string> = {
  'provider-admin': '/',
  'provider-operator': '/',
  'provider-auditor': '/',
  'reseller-admin': '/r/alpine-it',
  'reseller-reader': '/r/alpine-it',
  'customer-admin': own,
  'customer-approver': own,
  'customer-reader': own,
};
const allowed: Record<Role, Action[]> = {
  'provider-admin': ACTIONS.filter((a) => a !== 'release.decide'),
  'provider-operator': [
    'read',
    'audit.read',
    'plan',
    'apply',
    'package.build',
    'repo.write',
    'release.freeze',
    'release.deploy',
    'release.promote',
    'release.decide-on-behalf',
  ],
  'provider-auditor': ['read', 'audit.read'],
  'reseller-admin': ['read', 'audit.read', 'access.manage'],
  'reseller-reader': ['read'],
  'customer-admin': ['read', 'audit.read', 'release.decide', 'access.manage'],
  'customer-approver': ['read', 'release.decide'],
  'customer-reader': ['read'],
};
// which targets each role sees at all
const sees: Record<Role, string[]> = {
  'provider-admin': [own, sibling, foreign, '/', '/r/alpine-it', '/r/seeland-web'],
  'provider-operator': [own, sibling, foreign, '/', '/r/alpine-it', '/r/seeland-web'],
  'provider-auditor': [own, sibling, foreign, '/', '/r/alpine-it', '/r/seeland-web'],
  'reseller-admin': [own, sibling, '/r/alpine-it'],
  'reseller-reader': [own, sibling, '/r/alpine-it'],
  'customer-admin': [own],
  'customer-approver': [own],
  'customer-reader': [own],
};

test('every role x action x target: allowed, 403 or 404', () => {
  assert.deepEqual(ROLE_NAMES.sort(), Object.keys(allowed).sort());
  for (const role of ROLE_NAMES) {
    const grants: Grant[] = [{ role, scope: home[role] }];
    for (const target of [own, sibling, foreign, '/', '/r/alpine-it', '/r/seeland-web']) {
      for (const action of ACTIONS) {
        const want = !sees[role].includes(target)
          ? { allowed: false, status: 404 }
          : allowed[role].includes(action)
            ? { allowed: true }
            : { allowed: false, status: 403 };
        assert.deepEqual(decide(grants, action, target), want, `${role} ${action} on ${target}`);
      }
    }
  }
});

test('roles in two customers: one never acts on the other', () => {
  const grants: Grant[] = [
    { role: 'customer-approver', scope: own },
    { role: 'customer-reader', scope: sibling },
  ];
  assert.deepEqual(decide(grants, 'release.decide', own), { allowed: true });
  assert.deepEqual(decide(grants, 'release.decide', sibling), { allowed: false, status: 403 });
  assert.deepEqual(decide(grants, 'read', foreign), { allowed: false, status: 404 });
  // a list of what may be decided holds one customer, a list of what may be read both
  assert.deepEqual(allowedScopes(grants, 'release.decide'), [own]);
  assert.deepEqual(allowedScopes(grants, 'read'), [sibling, own].sort());
  assert.equal(inScopes(`${sibling}/e/test`, allowedScopes(grants, 'release.decide')), false);
  // a direct read and the list agree for every node
  for (const target of [own, sibling, foreign, '/r/alpine-it', '/'])
    assert.equal(
      decide(grants, 'read', target).allowed,
      inScopes(target, allowedScopes(grants, 'read')),
      target,
    );
});

test('nobody grants a role above their own or outside their subtree', () => {
  const resellerAdmin: Grant[] = [{ role: 'reseller-admin', scope: '/r/alpine-it' }];
  assert.deepEqual(mayGrant(resellerAdmin, 'reseller-reader', '/r/alpine-it'), { allowed: true });
  assert.deepEqual(mayGrant(resellerAdmin, 'customer-reader', own), { allowed: true });
  // a customer-admin can decide releases; a reseller admin cannot, so it cannot hand that out
  const above = mayGrant(resellerAdmin, 'customer-admin', own);
  assert.equal(above.allowed, false);
  assert.deepEqual(!above.allowed && above.refusal, { reason: 'above-own', missing: ['release.decide'] });
  assert.deepEqual(mayGrant(resellerAdmin, 'customer-reader', foreign), {
    allowed: false,
    refusal: { reason: 'not-visible' },
  });
  assert.deepEqual(mayGrant(resellerAdmin, 'provider-auditor', '/'), {
    allowed: false,
    refusal: { reason: 'not-visible' },
  });
  // the provider decides only on behalf of a customer, and so may appoint its approvers and admins
  assert.deepEqual(mayGrant([{ role: 'provider-admin', scope: '/' }], 'customer-admin', own), {
    allowed: true,
  });
  assert.equal(mayGrant([{ role: 'provider-operator', scope: '/' }], 'customer-reader', own).allowed, false);
  // a role only on a node of its level
  assert.deepEqual(mayGrant([{ role: 'provider-admin', scope: '/' }], 'customer-reader', '/r/alpine-it'), {
    allowed: false,
    refusal: { reason: 'level', level: 'customer' },
  });
  const customerAdmin: Grant[] = [{ role: 'customer-admin', scope: own }];
  assert.deepEqual(mayGrant(customerAdmin, 'customer-approver', own), { allowed: true });
  assert.deepEqual(mayGrant(customerAdmin, 'customer-approver', sibling), {
    allowed: false,
    refusal: { reason: 'not-visible' },
  });
  const approver: Grant[] = [{ role: 'customer-approver', scope: own }];
  assert.deepEqual(mayGrant(approver, 'customer-reader', own), {
    allowed: false,
    refusal: { reason: 'no-manage' },
  });
});
