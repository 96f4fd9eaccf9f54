"""Configuration files of the mini cloud's services.

:func:`render` returns ``{path relative to the state directory: text}``
for every service; the paste files come from the cloud venv
(:func:`paste_files`). Everything points at 127.0.0.1: Keystone on
15000, MariaDB databases ``*_mc`` (root, no password), RabbitMQ vhosts
``mc_nova``, ``mc_neutron`` and ``mc_aodh`` (guest/guest), and the state
directory for logs, keys, locks and data.
"""

import glob
import os

PASSWORD = 'secret'
REGION = 'RegionOne'
HOST = '127.0.0.1'
KEYSTONE_PORT = 15000
AUTH_URL = 'http://%s:%d/v3' % (HOST, KEYSTONE_PORT)
DB_URL = 'mysql+pymysql://root@127.0.0.1'
RABBIT_URL = 'rabbit://guest:guest@127.0.0.1:5672'
DATABASES = ('keystone_mc', 'placement_mc', 'glance_mc', 'neutron_mc',
             'nova_api_mc', 'nova_mc', 'nova_cell0_mc', 'aodh_mc')
VHOSTS = ('mc_nova', 'mc_neutron', 'mc_aodh')
#: clouds.yaml entries: name -> (user, project)
CLOUDS = {'mc-admin': ('admin', 'admin'),
          'mc-demo': ('demo', 'demo'),
          'mc-other': ('other', 'other')}

#: directories made under the state directory
DIRS = ('etc/keystone', 'etc/placement', 'etc/glance', 'etc/nova',
        'etc/neutron', 'etc/aodh', 'data/glance/images',
        'data/glance/staging', 'data/glance/tasks', 'data/nova/instances',
        'data/nova/lock', 'data/neutron/lock', 'logs', 'run', 'wsgi')


def ini(sections):
    """INI text of ``[(section, {option: value})]`` (order kept)."""
    out = []
    for section, options in sections:
        out.append('[%s]' % section)
        out.extend('%s = %s' % (k, v) for k, v in options.items())
        out.append('')
    return '\n'.join(out)


def auth(user, **extra):
    """Options of a keystoneauth password section for service ``user``."""
    opts = {'auth_url': AUTH_URL, 'auth_type': 'password',
            'project_domain_name': 'Default',
            'user_domain_name': 'Default', 'project_name': 'service',
            'username': user, 'password': PASSWORD,
            'region_name': REGION}
    opts.update(extra)
    return opts


def authtoken(user):
    return ('keystone_authtoken', auth(user, www_authenticate_uri=AUTH_URL))


def render(state_dir):
    """Every generated file of a cloud in ``state_dir``."""
    d = state_dir.rstrip('/')
    log = d + '/logs/'
    files = {}
    files['etc/keystone/keystone.conf'] = ini([
        ('DEFAULT', {'log_file': log + 'keystone.log'}),
        ('database', {'connection': DB_URL + '/keystone_mc'}),
        ('token', {'provider': 'fernet'}),
        ('fernet_tokens',
         {'key_repository': d + '/etc/keystone/fernet-keys'}),
        ('fernet_receipts',
         {'key_repository': d + '/etc/keystone/fernet-keys'}),
        ('credential',
         {'key_repository': d + '/etc/keystone/credential-keys'}),
        # bcrypt cost: 4 instead of 12 halves user creation and token issue
        ('identity', {'password_hash_rounds': 4}),
    ])
    files['etc/placement/placement.conf'] = ini([
        ('DEFAULT', {'log_file': log + 'placement.log'}),
        ('placement_database', {'connection': DB_URL + '/placement_mc'}),
        ('api', {'auth_strategy': 'keystone'}),
        authtoken('placement'),
    ])
    files['etc/glance/glance-api.conf'] = ini([
        ('DEFAULT', {'log_file': log + 'glance-api.log',
                     'enabled_backends': 'fs:file'}),
        ('database', {'connection': DB_URL + '/glance_mc'}),
        ('glance_store', {'default_backend': 'fs'}),
        ('fs', {'filesystem_store_datadir': d + '/data/glance/images/'}),
        ('os_glance_staging_store',
         {'filesystem_store_datadir': d + '/data/glance/staging/'}),
        ('os_glance_tasks_store',
         {'filesystem_store_datadir': d + '/data/glance/tasks/'}),
        ('paste_deploy', {'flavor': 'keystone'}),
        authtoken('glance'),
    ])
    files['etc/neutron/neutron.conf'] = ini([
        ('DEFAULT', {
            'log_file': log + 'neutron-api.log',
            'core_plugin': 'ml2',
            'service_plugins': '',
            'auth_strategy': 'keystone',
            'transport_url': RABBIT_URL + '/mc_neutron',
            'api_paste_config': d + '/etc/neutron/api-paste.ini',
            'api_workers': 1,
            # no agents, no RPC server: the API process is all of Neutron
            'rpc_workers': 0,
            'rpc_state_report_workers': 0,
            'notify_nova_on_port_status_changes': 'false',
            'notify_nova_on_port_data_changes': 'false'}),
        ('database', {'connection': DB_URL + '/neutron_mc'}),
        ('oslo_concurrency', {'lock_path': d + '/data/neutron/lock'}),
        authtoken('neutron'),
    ])
    files['etc/neutron/ml2_conf.ini'] = ini([
        # project networks are VLANs of physnet1: nothing carries them
        # (no agents), mc_bind binds their ports all the same
        ('ml2', {'type_drivers': 'flat,vlan', 'tenant_network_types': 'vlan',
                 # mc_ml2 (installed in the cloud venv): binds every port
                 'mechanism_drivers': 'mc_bind',
                 'extension_drivers': 'port_security'}),
        ('ml2_type_flat', {'flat_networks': 'physnet1'}),
        ('ml2_type_vlan', {'network_vlan_ranges': 'physnet1:1000:2999'}),
        ('securitygroup', {'enable_security_group': 'true'}),
    ])
    files['etc/nova/nova.conf'] = ini([
        ('DEFAULT', {
            'transport_url': RABBIT_URL + '/mc_nova',
            'compute_driver': 'fake.FakeDriver',
            'host': 'mc-compute1',
            'my_ip': HOST,
            'state_path': d + '/data/nova',
            'instances_path': d + '/data/nova/instances',
            'graceful_shutdown_timeout': 5}),
        ('api', {'auth_strategy': 'keystone'}),
        ('wsgi', {'api_paste_config': d + '/etc/nova/api-paste.ini'}),
        ('api_database', {'connection': DB_URL + '/nova_api_mc'}),
        ('database', {'connection': DB_URL + '/nova_mc'}),
        ('conductor', {'workers': 1}),
        ('scheduler', {'workers': 1,
                       'discover_hosts_in_cells_interval': 5}),
        ('oslo_concurrency', {'lock_path': d + '/data/nova/lock'}),
        ('oslo_messaging_notifications', {'driver': 'noop'}),
        # the default 10 instances per project is far too few for tests
        ('quota', {'instances': -1, 'cores': -1, 'ram': -1}),
        ('vnc', {'enabled': 'false'}),
        ('glance', {'region_name': REGION}),
        ('oslo_policy', {'policy_file': d + '/etc/nova/policy.yaml'}),
        authtoken('nova'),
        ('service_user', dict(send_service_user_token='true',
                              **auth('nova'))),
        ('placement', auth('placement')),
        ('neutron', auth('nova')),
    ])
    # mc.tiny has a 0 GB disk: by default only admins may boot such a
    # flavor ("Only volume-backed servers are allowed for flavors with
    # zero disk", 403) and the projects demo and other could not
    files['etc/nova/policy.yaml'] = (
        '"os_compute_api:servers:create:zero_disk_flavor": '
        '"rule:project_member_or_admin"\n')
    files['etc/nova/nova-api.conf'] = ini([
        ('DEFAULT', {'log_file': log + 'nova-api.log'}),
    ])
    files['etc/aodh/aodh.conf'] = ini([
        # the evaluator hands alarm actions to aodh-notifier (which
        # POSTs the alarm URLs) over this bus
        ('DEFAULT', {'log_file': log + 'aodh-api.log',
                     'evaluation_interval': 10,
                     'transport_url': RABBIT_URL + '/mc_aodh'}),
        ('database', {'connection': DB_URL + '/aodh_mc'}),
        ('api', {'paste_config': d + '/etc/aodh/api-paste.ini',
                 'auth_mode': 'keystone'}),
        authtoken('aodh'),
        ('service_credentials', auth('aodh', interface='public')),
    ])
    files['etc/clouds.yaml'] = clouds_yaml()
    return files


def clouds_yaml():
    lines = ['clouds:']
    for name, (user, project) in CLOUDS.items():
        lines += [
            '  %s:' % name,
            '    auth:',
            "      auth_url: '%s'" % AUTH_URL,
            '      username: %s' % user,
            '      password: %s' % PASSWORD,
            '      project_name: %s' % project,
            '      user_domain_name: Default',
            '      project_domain_name: Default',
            '    region_name: %s' % REGION,
            '    identity_api_version: 3',
        ]
    return '\n'.join(lines) + '\n'


def site_packages(venv):
    found = glob.glob(os.path.join(venv, 'lib', 'python3*',
                                   'site-packages'))
    if not found:
        raise FileNotFoundError('no site-packages in %s' % venv)
    return found[0]


def paste_files(state_dir, venv):
    """The paste files, from the installed packages:
    ``{relative path: text}``.

    Aodh's keystonemiddleware filter reads its options with
    ``oslo_config_project = aodh`` from /etc/aodh, not from our file
    (``MissingAuthPlugin: An auth plugin is required to determine
    endpoint URL``), so the copy also names our aodh.conf.
    """
    sources = {
        'etc/glance/glance-api-paste.ini':
            os.path.join(venv, 'etc/glance/glance-api-paste.ini'),
        'etc/neutron/api-paste.ini':
            os.path.join(venv, 'etc/neutron/api-paste.ini'),
        'etc/nova/api-paste.ini':
            os.path.join(venv, 'etc/nova/api-paste.ini'),
        'etc/aodh/api-paste.ini':
            os.path.join(site_packages(venv), 'aodh/api/api-paste.ini'),
    }
    files = {}
    for rel, src in sources.items():
        with open(src) as f:
            files[rel] = f.read()
    aodh = files['etc/aodh/api-paste.ini']
    marker = 'oslo_config_project = aodh'
    if marker not in aodh:
        raise ValueError('%s: no %r line to add oslo_config_file to'
                         % (sources['etc/aodh/api-paste.ini'], marker))
    # every filter/app section naming the project (authtoken among them)
    files['etc/aodh/api-paste.ini'] = aodh.replace(
        marker, '%s\noslo_config_file = %s/etc/aodh/aodh.conf'
        % (marker, state_dir.rstrip('/')))
    return files
