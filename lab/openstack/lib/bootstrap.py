#!/usr/bin/python3
"""Idempotent bootstrap of the lab's OpenStack (run by lab/openstack/start.sh).

  bootstrap.py identity   -> projects, users, roles, services, endpoints
  bootstrap.py resources  -> image, flavors, external network
  bootstrap.py wait       -> wait for compute host in nova + placement
  bootstrap.py rpc:QUEUE  -> wait until QUEUE on rabbit has a consumer
Configuration comes from environment variables set by start.sh.
"""
import os
import sys
import time

import requests

E = os.environ
HOST = E.get('LAB_HOST', '127.0.0.1')
KS = 'http://%s:%s/v3' % (HOST, E['KEYSTONE_PORT'])
URLS = {
    'glance': ('image', 'http://%s:%s' % (HOST, E['GLANCE_PORT'])),
    'nova': ('compute', 'http://%s:%s/v2.1' % (HOST, E['NOVA_PORT'])),
    'neutron': ('network', 'http://%s:%s' % (HOST, E['NEUTRON_PORT'])),
    'placement': ('placement', 'http://%s:%s' % (HOST, E['PLACEMENT_PORT'])),
}
REGION = E.get('OS_REGION', 'RegionOne')
S = requests.Session()


def die(msg):
    print('bootstrap: ERROR: ' + msg, file=sys.stderr)
    sys.exit(1)


def ok(r, what):
    if r.status_code >= 400:
        die('%s -> %s %s' % (what, r.status_code, r.text[:500]))
    return r


def token(user, password, project):
    body = {'auth': {
        'identity': {'methods': ['password'], 'password': {'user': {
            'name': user, 'domain': {'id': 'default'}, 'password': password}}},
        'scope': {'project': {'name': project, 'domain': {'id': 'default'}}}}}
    r = ok(S.post(KS + '/auth/tokens', json=body), 'token ' + user)
    return r.headers['X-Subject-Token'], r.json()['token']


def admin_headers():
    tok, _ = token('admin', E['ADMIN_PASS'], 'admin')
    return {'X-Auth-Token': tok}


def ks_find(h, coll, key, name, extra=''):
    r = ok(S.get('%s/%s?name=%s%s' % (KS, coll, name, extra), headers=h),
           'list ' + coll)
    items = r.json()[key]
    return items[0] if items else None


def ks_ensure(h, coll, key, single, name, body):
    found = ks_find(h, coll, key, name)
    if found:
        return found
    b = dict(body, name=name)
    r = ok(S.post('%s/%s' % (KS, coll), json={single: b}, headers=h),
           'create %s %s' % (single, name))
    return r.json()[single]


def grant(h, project_id, user_id, role_id):
    ok(S.put('%s/projects/%s/users/%s/roles/%s' % (KS, project_id, user_id,
                                                   role_id), headers=h),
       'grant role')


def identity():
    h = admin_headers()
    svc_proj = ks_ensure(h, 'projects', 'projects', 'project', 'service',
                         {'domain_id': 'default',
                          'description': 'aare service project'})
    demo_proj = ks_ensure(h, 'projects', 'projects', 'project',
                          E.get('DEMO_PROJECT', 'demo'),
                          {'domain_id': 'default',
                           'description': 'aare demo project'})
    roles = {}
    for rn in ('admin', 'member', 'reader', 'service'):
        roles[rn] = ks_ensure(h, 'roles', 'roles', 'role', rn, {})
    for svc in ('glance', 'nova', 'neutron', 'placement'):
        u = ks_ensure(h, 'users', 'users', 'user', svc,
                      {'domain_id': 'default', 'password': E['SERVICE_PASS'],
                       'default_project_id': svc_proj['id']})
        grant(h, svc_proj['id'], u['id'], roles['admin']['id'])
        grant(h, svc_proj['id'], u['id'], roles['service']['id'])
    demo = ks_ensure(h, 'users', 'users', 'user', E.get('DEMO_USER', 'demo'),
                     {'domain_id': 'default', 'password': E['DEMO_PASS'],
                      'default_project_id': demo_proj['id']})
    grant(h, demo_proj['id'], demo['id'], roles['member']['id'])
    grant(h, demo_proj['id'], demo['id'], roles['reader']['id'])

    for name, (stype, url) in URLS.items():
        r = ok(S.get('%s/services?type=%s' % (KS, stype), headers=h),
               'list services')
        svcs = r.json()['services']
        if svcs:
            svc = svcs[0]
        else:
            svc = ok(S.post(KS + '/services', headers=h, json={'service': {
                'name': name, 'type': stype, 'enabled': True}}),
                'create service').json()['service']
        eps = ok(S.get('%s/endpoints?service_id=%s' % (KS, svc['id']),
                       headers=h), 'list endpoints').json()['endpoints']
        for iface in ('public', 'internal', 'admin'):
            mine = [e for e in eps if e['interface'] == iface]
            if mine:
                if mine[0]['url'] != url:
                    ok(S.patch('%s/endpoints/%s' % (KS, mine[0]['id']),
                               headers=h, json={'endpoint': {'url': url}}),
                       'update endpoint')
                continue
            ok(S.post(KS + '/endpoints', headers=h, json={'endpoint': {
                'service_id': svc['id'], 'interface': iface, 'url': url,
                'region_id': REGION, 'enabled': True}}), 'create endpoint')
    print('bootstrap: identity ok')


def resources():
    h = admin_headers()
    glance = URLS['glance'][1]
    nova = URLS['nova'][1]
    neutron = URLS['neutron'][1]
    # --- images: the lab's own tiny image and the standard images a provider's control
    # repository names (the demo's Rocky, Alma and Debian images): 1 MiB of zeros each, since
    # the fake compute driver never boots them.
    names = E.get('IMAGE_NAMES', 'aare-tiny,Rocky Linux 9,AlmaLinux 9,Debian 12 (bookworm)')
    for name in [n.strip() for n in names.split(',') if n.strip()]:
        imgs = ok(S.get(glance + '/v2/images', headers=h, params={'name': name}),
                  'list images').json()['images']
        active = [i for i in imgs if i['status'] == 'active']
        for i in imgs:
            if i['status'] != 'active':
                S.delete(glance + '/v2/images/' + i['id'], headers=h)
        if not active:
            img = ok(S.post(glance + '/v2/images', headers=h, json={
                'name': name, 'disk_format': 'raw', 'container_format': 'bare',
                'visibility': 'public', 'min_disk': 0, 'min_ram': 0}),
                'create image ' + name).json()
            hh = dict(h)
            hh['Content-Type'] = 'application/octet-stream'
            ok(S.put(glance + '/v2/images/%s/file' % img['id'], headers=hh,
                     data=b'\0' * (1024 * 1024)), 'upload image ' + name)
    # --- flavors (the usual m1 family); a flavor of that name made by hand counts as present
    have = {f['name'] for f in ok(S.get(nova + '/flavors?is_public=None', headers=h),
                                  'list flavors').json()['flavors']}
    for fid, fname, ram, vcpus, disk in (('1', 'm1.tiny', 512, 1, 1),
                                         ('2', 'm1.small', 2048, 1, 20),
                                         ('3', 'm1.medium', 4096, 2, 40),
                                         ('4', 'm1.large', 8192, 4, 80)):
        if fname in have:
            continue
        ok(S.post(nova + '/flavors', headers=h, json={'flavor': {
            'name': fname, 'ram': ram, 'vcpus': vcpus, 'disk': disk,
            'id': fid, 'os-flavor-access:is_public': True}}),
            'create flavor ' + fname)
    # --- external network "public" (admin owned, router:external)
    nets = ok(S.get(neutron + '/v2.0/networks?name=public', headers=h),
              'list networks').json()['networks']
    if nets:
        net = nets[0]
    else:
        net = ok(S.post(neutron + '/v2.0/networks', headers=h, json={
            'network': {'name': 'public', 'router:external': True,
                        'provider:network_type': 'flat',
                        'provider:physical_network': 'public'}}),
            'create public net').json()['network']
    subs = ok(S.get(neutron + '/v2.0/subnets?network_id=' + net['id'],
                    headers=h), 'list subnets').json()['subnets']
    if not subs:
        ok(S.post(neutron + '/v2.0/subnets', headers=h, json={'subnet': {
            'name': 'public-subnet', 'network_id': net['id'],
            'ip_version': 4, 'cidr': E.get('PUBLIC_CIDR', '172.24.4.0/24'),
            'enable_dhcp': False}}), 'create public subnet')
    # --- generous quotas for the demo project (tests create many objects)
    demo = ks_find(h, 'projects', 'projects', E.get('DEMO_PROJECT', 'demo'))
    ok(S.put('%s/v2.0/quotas/%s' % (neutron, demo['id']), headers=h, json={
        'quota': {'network': 200, 'subnet': 200, 'router': 100, 'port': 1000,
                  'security_group': 200, 'security_group_rule': 2000,
                  'floatingip': 200}}), 'neutron quotas')
    ok(S.put('%s/os-quota-sets/%s' % (nova, demo['id']), headers=h, json={
        'quota_set': {'instances': 200, 'cores': 400, 'ram': 819200,
                      'key_pairs': 200, 'server_groups': 100}}), 'nova quotas')
    print('bootstrap: resources ok')


def wait(timeout=float(E.get('WAIT_COMPUTE_TIMEOUT', '180'))):
    h = admin_headers()
    nova = URLS['nova'][1]
    placement = URLS['placement'][1]
    deadline = time.time() + timeout
    hh = dict(h, **{'X-OpenStack-Nova-API-Version': '2.53'})
    ph = dict(h, **{'OpenStack-API-Version': 'placement 1.10'})
    while True:
        try:
            hyp = S.get(nova + '/os-hypervisors/detail', headers=hh).json()
            up = [x for x in hyp.get('hypervisors', [])
                  if x.get('state') == 'up' and x.get('status') == 'enabled']
            rps = S.get(placement + '/resource_providers',
                        headers=ph).json().get('resource_providers', [])
            inv = False
            if rps:
                inv = bool(S.get(placement + '/resource_providers/%s/inventories'
                                 % rps[0]['uuid'], headers=ph).json()
                           .get('inventories'))
            if up and inv and has_consumer('compute.' + E.get('COMPUTE_HOST',
                                                              'aare-compute')):
                print('bootstrap: compute host %s is up and in placement'
                      % up[0]['hypervisor_hostname'])
                return
        except (requests.RequestException, ValueError):
            pass
        if time.time() > deadline:
            die('compute host did not appear in nova/placement in %ss'
                % timeout)
        time.sleep(1)


def has_consumer(queue):
    """True if an RPC server consumes QUEUE (passive declare, no side effect)."""
    import amqp
    url = 'amqp://guest:guest@%s:%s//' % (HOST, E['RABBIT_PORT'])
    import kombu
    with kombu.Connection(url, connect_timeout=3) as c:
        try:
            ok_ = c.channel().queue_declare(queue=queue, passive=True)
            return ok_.consumer_count > 0
        except amqp.exceptions.NotFound:
            return False


def wait_rpc(queue, timeout=120):
    deadline = time.time() + timeout
    while not has_consumer(queue):
        if time.time() > deadline:
            die('nothing consumes rabbit queue %s after %ss' % (queue, timeout))
        time.sleep(0.25)
    print('bootstrap: %s consumer present' % queue)


if __name__ == '__main__':
    for step in sys.argv[1:]:
        if step.startswith('rpc:'):
            wait_rpc(step[4:])
            continue
        {'identity': identity, 'resources': resources, 'wait': wait}[step]()
