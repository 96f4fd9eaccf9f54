"""Keystone registration and seeding of the mini cloud (openstacksdk).

Run by the cloud venv's Python (not the project's)::

    incloud.py register     # service project, service users, catalog,
                            # projects/users demo and other
    incloud.py seed DATADIR # image 'tiny', flavor 'mc.tiny',
                            # network 'mc-net' + subnet 'mc-subnet'

with ``OS_CLIENT_CONFIG_FILE`` naming the clouds.yaml that has
``mc-admin``. Idempotent. Prints one JSON object (the ids) on its last
line. Not part of the ``heat`` package.
"""

import json
import os
import sys
import warnings

warnings.filterwarnings('ignore')

import openstack  # noqa: E402

PASSWORD = 'secret'
REGION = 'RegionOne'
SERVICES = [  # user/service name, type, url
    ('placement', 'placement', 'http://127.0.0.1:18778'),
    ('glance', 'image', 'http://127.0.0.1:19292'),
    ('nova', 'compute', 'http://127.0.0.1:18774/v2.1'),
    ('neutron', 'network', 'http://127.0.0.1:19696'),
    ('aodh', 'alarming', 'http://127.0.0.1:18042'),
]
#: non-admin projects, each with a user of the same name (role member)
PROJECTS = ('demo', 'other')


def _role(idn, name):
    return idn.find_role(name) or idn.create_role(name=name)


def _project(idn, name):
    return (idn.find_project(name, domain_id='default') or
            idn.create_project(name=name, domain_id='default'))


def _user(idn, name, project):
    return (idn.find_user(name, domain_id='default') or
            idn.create_user(name=name, password=PASSWORD,
                            domain_id='default',
                            default_project_id=project.id))


def register(conn):
    idn = conn.identity
    service = _project(idn, 'service')
    admin, svc, member = (_role(idn, r) for r in
                          ('admin', 'service', 'member'))
    services = {s.type: s for s in idn.services()}
    for name, stype, url in SERVICES:
        user = _user(idn, name, service)
        for role in (admin, svc):
            idn.assign_project_role_to_user(service, user, role)
        s = services.get(stype) or idn.create_service(name=name, type=stype)
        have = {e.interface for e in idn.endpoints(service_id=s.id)}
        for iface in ('public', 'internal', 'admin'):
            if iface not in have:
                idn.create_endpoint(service_id=s.id, interface=iface,
                                    url=url, region_id=REGION)
    out = {'service_project_id': service.id}
    for name in PROJECTS:
        project = _project(idn, name)
        user = _user(idn, name, project)
        idn.assign_project_role_to_user(project, user, member)
        out['%s_project_id' % name] = project.id
        out['%s_user_id' % name] = user.id
    out['admin_project_id'] = idn.find_project(
        'admin', domain_id='default').id
    return out


def seed(conn, datadir):
    image = conn.image.find_image('tiny')
    if image is None:
        path = os.path.join(datadir, 'tiny.img')
        with open(path, 'wb') as f:
            f.write(b'tinyimg')
        image = conn.image.create_image(
            name='tiny', filename=path, disk_format='raw',
            container_format='bare', visibility='public', wait=True)
    flavor = (conn.compute.find_flavor('mc.tiny') or
              conn.compute.create_flavor(name='mc.tiny', vcpus=1, ram=64,
                                         disk=0))
    net = (conn.network.find_network('mc-net') or
           conn.network.create_network(
               name='mc-net', shared=True, provider_network_type='flat',
               provider_physical_network='physnet1'))
    # TEST-NET-1: addresses in the database only, no traffic anywhere
    subnet = (next(iter(conn.network.subnets(network_id=net.id)), None) or
              conn.network.create_subnet(
                  network_id=net.id, ip_version=4, cidr='192.0.2.0/24',
                  name='mc-subnet', enable_dhcp=False))
    image = conn.image.get_image(image.id)
    if image.status != 'active':
        raise SystemExit('image tiny is %s, not active' % image.status)
    return {'image_id': image.id, 'image_name': image.name,
            'flavor_id': flavor.id, 'flavor_name': flavor.name,
            'network_id': net.id, 'network_name': net.name,
            'subnet_id': subnet.id, 'subnet_name': subnet.name,
            'subnet_cidr': subnet.cidr}


def main(argv):
    conn = openstack.connect(cloud='mc-admin')
    if argv[1] == 'register':
        out = register(conn)
    elif argv[1] == 'seed':
        out = seed(conn, argv[2])
    else:
        raise SystemExit('usage: incloud.py register | seed DATADIR')
    print(json.dumps(out))


if __name__ == '__main__':
    main(sys.argv)
