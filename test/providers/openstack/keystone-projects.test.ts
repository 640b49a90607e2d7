// Keystone identity objects against the lab: a reseller's domain, a customer's project, the
// admin's role in it, and a network created by the admin acting inside that project.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openstack } from '../../../src/providers/index.js';
import { Cleanup, labClient, runPrefix, skipWithoutLab } from './lab-cloud.js';

describe('keystone domains and projects (lab)', { skip: skipWithoutLab }, () => {
  const cleanup = new Cleanup();
  const prefix = runPrefix();
  let c: openstack.OpenStackClient;
  before(() => {
    c = labClient();
  });
  after(() => cleanup.run());

  test('domain and project created, found, changed; the admin acts inside the project', async () => {
    const domain = await openstack.createDomain(c, {
      name: `${prefix}reseller`,
      description: 'reseller',
      tags: ['aare-managed'],
    });
    cleanup.add('delete domain', () => openstack.deleteDomain(c, domain.id));
    assert.deepEqual(domain.tags, ['aare-managed']);
    const project = await openstack.createProject(c, {
      name: `${prefix}customer`,
      domainId: domain.id,
      description: 'muster-ag',
      tags: ['aare-managed', `${prefix}tag`],
    });
    cleanup.add('delete project', () => openstack.deleteProject(c, project.id));
    assert.equal(project.domain_id, domain.id);

    const byTag = await openstack.listProjects(c, { tags: [`${prefix}tag`] });
    assert.deepEqual(
      byTag.map((p) => p.id),
      [project.id],
    );
    assert.equal((await openstack.listDomains(c, { name: `${prefix}reseller` }))[0]?.id, domain.id);
    assert.equal(
      (await openstack.updateProject(c, project.id, { description: 'Muster AG' })).description,
      'Muster AG',
    );

    const inProject = await openstack.actInProject(c, project.id);
    const me = await c.session.token();
    const roles = await openstack.listProjectRoles(c, project.id, me.userId);
    assert.ok(roles.some((r) => r.name === 'admin'));
    const scoped = await inProject.session.token();
    assert.equal(scoped.projectId, project.id);

    const net = await openstack.networks.create(inProject, { name: `${prefix}custnet` });
    cleanup.add('delete customer network', () => openstack.networks.delete(c, net.id));
    assert.equal(net.project_id, project.id, 'created in the customer project');
    assert.equal(inProject.transport, c.transport, 'one transport: one request counter');
  });

  test('deleting a domain disables it first; a second delete is a no-op', async () => {
    const d = await openstack.createDomain(c, { name: `${prefix}gone` });
    assert.equal(await openstack.deleteDomain(c, d.id), true);
    assert.equal(await openstack.getDomain(c, d.id), undefined);
    assert.equal(await openstack.deleteDomain(c, d.id), false);
  });
});
