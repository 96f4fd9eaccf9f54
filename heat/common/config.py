"""Configuration options of heat, and the loader the commands share.

Option names follow upstream Heat where it has the same option. The
database options are oslo.db's ``[database]`` group plus the SQLite
settings of ``heat.db.options``; with no ``[database] connection`` set,
the embedded default is a SQLite file under ``state_dir``.
``etc/heat/heat.conf.sample`` is generated from :func:`list_opts`
(``oslo-config-generator --namespace heat.common.config``).
"""

import os

from oslo_config import cfg

from heat.common import template_format
from heat.db import options as db_options

DEFAULT_STATE_DIR = os.path.join('~', '.local', 'state', 'heat')

default_opts = [
    cfg.StrOpt('state_dir', default=DEFAULT_STATE_DIR,
               sample_default=DEFAULT_STATE_DIR,
               help='Directory holding the embedded default\'s state (the '
                    'SQLite database). "~" is expanded.'),
]

engine_opts = [
    cfg.IntOpt('max_concurrent_resources', default=8, min=1,
               help='Resources of one stack action that run at the same '
                    'time (each stack action has its own thread pool).'),
    cfg.IntOpt('db_idle_transaction_timeout', default=60, min=0,
               help='Seconds a database transaction of this process may '
                    'stay idle (no statement running) before MariaDB or '
                    'PostgreSQL ends it and its connection. An engine '
                    'stopped in the middle of a transaction (SIGSTOP, a '
                    'frozen VM) holds its row locks: no other engine can '
                    'take its groups or stacks over until the server ends '
                    'it. 0: the server\'s own setting. Keep it above '
                    'the longest pause of a busy engine.'),
    cfg.IntOpt('max_nested_stack_depth', default=5, min=0,
               help='Maximum depth allowed when using nested stacks.'),
    cfg.ListOpt('hidden_stack_tags', default=['data-processing-cluster'],
                help='Stacks containing these tag names will be hidden. '
                     'Multiple tags should be given in a comma-delimited '
                     'list (eg. hidden_stack_tags=hide_me,me_too). A '
                     'stack list or count shows them only with '
                     'show_hidden=True.'),
    cfg.BoolOpt('enable_stack_adopt', default=False,
                help='Allow stack adopt (a create with adopt_stack_data): '
                     'a new stack takes over the physical resources, and '
                     'their data, named by the data a stack abandon '
                     'returned, nested stacks included, instead of '
                     'creating them. Off by default, as upstream; a create '
                     'with adopt data is then refused (400, "Stack Adopt '
                     'is not supported").'),
    cfg.IntOpt('max_resources_per_stack', default=1000,
               help='Maximum resources allowed per top-level stack, '
                    'nested stacks included. -1 stands for unlimited.'),
    cfg.IntOpt('max_template_size',
               default=template_format.MAX_TEMPLATE_BYTES, min=1,
               help='Largest template, in bytes of UTF-8 text, that '
                    'heat-api and heat-engine accept: the root template '
                    '(as text or as a JSON object), each file of the '
                    'files map, and nested templates. A larger one is '
                    'refused with a 400 naming both sizes.'),
    cfg.FloatOpt('db_retry_seconds', default=10.0, min=0,
                 help='Seconds an engine keeps retrying a database '
                      'transaction (a trigger\'s decision, a heartbeat, a '
                      'lock or lease change) that lost its connection, '
                      'with pauses from 0.05 s doubling up to 1 s; after '
                      'that the request fails (heat-api answers 503 with '
                      'Retry-After). Keep it below rpc_response_timeout.'),
    cfg.ListOpt('plugin_dirs',
                default=['/usr/lib64/heat', '/usr/lib/heat',
                         '/usr/local/lib/heat', '/usr/local/lib64/heat'],
                help='Directories searched for resource plug-in modules: '
                     'every Python module and package found in them '
                     '(sub-packages included) is imported and the types '
                     'its available_resource_mapping() or '
                     'resource_mapping() returns are registered. A '
                     'directory that does not exist is skipped; a module '
                     'that fails to import is logged and skipped. A '
                     'plug-in type may replace an engine type of the same '
                     'name (a warning is logged).'),
]

api_opts = [
    cfg.StrOpt('bind_host', default='127.0.0.1',
               help='Address the Orchestration API listens on.'),
    cfg.PortOpt('bind_port', default=8004,
                help='Port the Orchestration API listens on.'),
    cfg.IntOpt('workers', default=16, min=1,
               help='Threads of the API\'s WSGI server (requests served '
                    'at once).'),
]

autoscaling_opts = [
    cfg.IntOpt('converge_batch_size', default=100, min=1,
               help='Members a converger creates or deletes per batch; '
                    'between batches it records progress, renews its '
                    'lease and re-reads the desired capacity.'),
    cfg.IntOpt('member_concurrency', default=32, min=1,
               help='Members of one batch whose own create, update or '
                    'delete handlers run at the same time (cloud members '
                    'boot in parallel). Members whose handlers do no work '
                    'of their own (OS::Heat::None) run in the converger\'s '
                    'thread and take no slot.'),
    cfg.FloatOpt('coalesce_window', default=0.5, min=0, max=5,
                 help='Seconds a converger keeps a busy group\'s lease '
                      'after converging it (busy: a decision arrived while '
                      'it converged, or several waited when it began): '
                      'decisions arriving meanwhile are converged '
                      'together, once the window ends, instead of one '
                      'convergence each (a trigger storm on many groups). '
                      'A group that is not that busy releases the lease '
                      'at once. At most a third of lease_ttl. 0: never '
                      'wait.'),
    cfg.IntOpt('lease_ttl', default=60, min=2,
               help='Seconds a converger\'s lease on a group lasts '
                    'without renewal; after that another engine may take '
                    'the group over.'),
    cfg.IntOpt('sweep_interval', default=30, min=0,
               help='Seconds between two sweeps that resume groups whose '
                    'members differ from their desired capacity or whose '
                    'lease expired (0: no sweep).'),
    cfg.IntOpt('schedule_interval', default=10, min=0,
               help='Seconds between two evaluations of the scheduled '
                    'policies by an engine: occurrences that fell due '
                    'since are applied (each exactly once, whatever the '
                    'number of engines). 0: this engine does not '
                    'evaluate them.'),
    cfg.IntOpt('schedule_grace_seconds', default=300, min=0,
               help='Seconds after its time within which a scheduled '
                    'occurrence is still applied (when no engine '
                    'evaluated it in time, for instance all were '
                    'stopped). An older one is recorded as a MISSED '
                    'activity and not applied; of several due '
                    'occurrences only the latest is applied, the others '
                    'are recorded as MISSED.'),
    cfg.FloatOpt('health_check_tick', default=1.0, min=0,
                 help='Seconds between two looks of this engine\'s health '
                      'monitor at the groups that have a health check: '
                      'each group is checked every health_check.interval '
                      'of its own, by one engine at a time (a claim on '
                      'the group, renewed at every check, taken over by '
                      'another engine when it lapses). 0: this engine '
                      'checks no group.'),
    cfg.IntOpt('health_check_workers', default=32, min=1,
               help='HTTP health checks this engine makes at the same '
                    'time (threads; connections are kept alive between '
                    'checks).'),
    cfg.FloatOpt('evaluation_tick', default=1.0, min=0,
                 help='Seconds between two looks of this engine\'s '
                      'evaluator of metric policies (step, '
                      'target_tracking) at the groups whose evaluation is '
                      'due: each group is evaluated every '
                      'evaluation_interval of its metric policies (the '
                      'shortest), by one engine at a time (a claim on the '
                      'group, renewed at every evaluation, taken over by '
                      'another engine when it lapses after 3 intervals, '
                      'at least 30 s). 0: this engine evaluates no '
                      'group.'),
    cfg.StrOpt('prometheus_url',
               help='Base URL of the Prometheus server metric policies '
                    'with source prometheus query when their metric has '
                    'no url of its own (e.g. http://127.0.0.1:9090).'),
    cfg.FloatOpt('prometheus_timeout', default=5.0, min=0.1,
                 help='Seconds a Prometheus query of an evaluation may '
                      'take; after that the policy has no data (it holds) '
                      'and the reason is recorded.'),
    cfg.IntOpt('metric_window_samples', default=1000, min=1,
               help='Pushed samples kept per group and metric name: the '
                    'oldest received beyond this are dropped when new '
                    'ones arrive.'),
    cfg.IntOpt('metric_names', default=50, min=1,
               help='Metric names a group holds pushed samples of at '
                    'most: a push that would add one more is refused '
                    'whole, naming it (with metric_window_samples and '
                    'metric_retention, what a group stores is bounded).'),
    cfg.IntOpt('metric_retention', default=3600, min=60,
               help='Seconds pushed samples are kept: older ones are '
                    'dropped (at the next push to the group, and by the '
                    'evaluator every few minutes).'),
    cfg.IntOpt('evaluation_history', default=10000, min=1,
               help='Evaluation records kept per group that has a shadow '
                    'metric policy (what compare reads); the oldest are '
                    'dropped.'),
    cfg.IntOpt('api_idempotency_retention', default=86400, min=60,
               help='Seconds the Auto-Scaling API keeps the first answer '
                    'to a POST that carried an Idempotency-Key: a repeat '
                    'of the key (same project) within that time gets the '
                    'same answer and changes nothing; after it, the key '
                    'is new again. Expired answers are deleted when the '
                    'project uses a key again and by the sweep.'),
]

signal_opts = [
    cfg.StrOpt('heat_metadata_server_url',
               help='Public base URL of heat-api (e.g. '
                    'http://heat.example.com:8004) used in the pre-signed '
                    'alarm_url and in signal_url. Unset: '
                    'http://<[heat_api] bind_host>:<bind_port>.'),
    cfg.IntOpt('signed_url_max_age', default=0, min=0,
               help='Seconds a pre-signed URL (a scaling policy\'s '
                    'alarm_url) stays valid after the Timestamp it was '
                    'signed with. 0 (the default, as upstream): it never '
                    'expires. Otherwise heat-engine refuses (403, "the URL '
                    'has expired") a URL signed longer ago, or with a '
                    'Timestamp that far in the future; reading the '
                    'alarm_url attribute again signs a fresh one.'),
    cfg.StrOpt('default_deployment_signal_transport',
               default='CFN_SIGNAL',
               choices=['CFN_SIGNAL', 'TEMP_URL_SIGNAL', 'HEAT_SIGNAL',
                        'NO_SIGNAL', 'ZAQAR_SIGNAL'],
               help='How a server signals a software deployment\'s '
                    'outputs when its signal_transport property is not '
                    'set (upstream\'s option): CFN_SIGNAL, a POST to a '
                    'pre-signed URL of heat-api; HEAT_SIGNAL, the '
                    'resource signal API; NO_SIGNAL, no wait at all. '
                    'TEMP_URL_SIGNAL and ZAQAR_SIGNAL need swift and '
                    'zaqar, which this engine does not offer.'),
]

service_opts = [
    cfg.IntOpt('num_engine_workers', default=1, min=1,
               help='Engine processes heat-engine starts (each with its '
                    'own engine id, all on the same message bus and '
                    'database).'),
    cfg.IntOpt('report_interval', default=10, min=1,
               help='Seconds between two heartbeats of an engine (the '
                    'updated_at of its row in the service table).'),
    cfg.IntOpt('service_down_time', default=60, min=2,
               help='Seconds after its last heartbeat when an engine '
                    'counts as dead: other engines take over its stack '
                    'locks and heat-manage service list shows it down. '
                    'Must be more than report_interval.'),
    cfg.IntOpt('stale_stack_check_interval', default=0, min=0,
               help='Seconds between two looks of an engine for stacks '
                    'whose lock an engine that is dead holds; it takes '
                    'the lock over and marks them FAILED ("Engine went '
                    'down during stack <ACTION>"). 0: twice '
                    'report_interval.'),
    cfg.IntOpt('graceful_shutdown_timeout', default=10, min=2,
               help='Seconds within which heat-all, heat-engine and '
                    'heat-api end after SIGTERM or SIGINT. They stop '
                    'taking work at once; requests, RPCs and stack actions '
                    'in flight get this less 2 s (less a fifth when under '
                    '10 s); what still runs then is '
                    'abandoned to other engines (its stack locks and group '
                    'leases are taken over) and the process exits.'),
]

#: The process-wide configuration the engine reads (upstream's style).
#: Commands load files into it with :func:`load`.
CONF = cfg.CONF
CONF.register_opts(default_opts)
CONF.register_opts(engine_opts)
CONF.register_opts(service_opts)
CONF.register_opts(api_opts, group='heat_api')
CONF.register_opts(autoscaling_opts, group='autoscaling')
CONF.register_opts(signal_opts)


def load(config_files=None, state_dir_override=None, argv=None):
    """Load configuration files into the process-wide :data:`CONF`.

    Used by the long-running commands (heat-all, heat-engine, heat-api):
    the engine reads ``CONF``. Also registers the database, RPC and API
    options on it.
    """
    from heat.api import options as api_options
    from heat.engine import clients
    from heat.rpc import transport as rpc_transport
    register_log_options(CONF)
    clients.register_opts(CONF)
    CONF(argv or [], project='heat',
         default_config_files=config_files or [])
    if state_dir_override:
        CONF.set_override('state_dir', state_dir_override)
    db_options.register_opts(CONF, state_dir(CONF))
    rpc_transport.register_opts(CONF)
    try:
        api_options.register_opts(CONF)
    except cfg.DuplicateOptError:
        pass
    return CONF


def register_log_options(conf):
    """oslo.log's options (``--debug``, ``--log-file``, ``--log-dir``,
    ``--use-json``...) on ``conf``, before it parses a command line."""
    from oslo_log import log as oslo_log
    if 'log_file' in conf:
        return
    try:
        oslo_log.register_options(conf)
    except cfg.ArgsAlreadyParsedError:
        conf.clear()
        oslo_log.register_options(conf)


def setup_logging(conf, product='heat'):
    """oslo.log's ``setup`` for a command. Without ``--log-file`` /
    ``--log-dir`` (or ``use_stderr`` set) logs go to standard error, never
    to standard output (the commands print their address there)."""
    from oslo_log import log as oslo_log
    if not (conf.log_file or conf.log_dir):
        conf.set_default('use_stderr', True)
    oslo_log.setup(conf, product)


def state_dir(conf):
    return os.path.expanduser(conf.state_dir)


def make_conf(argv=None, default_config_files=None, state_dir_override=None):
    """A fresh ConfigOpts with every option registered and parsed.

    ``state_dir_override`` (a command's ``--state-dir``) wins over the
    configuration file.
    """
    conf = cfg.ConfigOpts()
    conf.register_opts(default_opts)
    conf.register_opts(engine_opts)
    conf.register_opts(service_opts)
    conf.register_opts(api_opts, group='heat_api')
    conf.register_opts(autoscaling_opts, group='autoscaling')
    conf.register_opts(signal_opts)
    conf(argv or [], project='heat',
         default_config_files=default_config_files or [])
    if state_dir_override:
        conf.set_override('state_dir', state_dir_override)
    db_options.register_opts(conf, state_dir(conf))
    return conf


def list_opts():
    """Every option, by group, for oslo-config-generator."""
    from oslo_db import options as oslo_db_options

    from heat.api import options as api_options
    from heat.engine import clients
    from heat.rpc import transport as rpc_transport
    yield None, (list(default_opts) + list(engine_opts) +
                 list(service_opts) + list(signal_opts))
    yield 'heat_api', list(api_opts)
    yield 'autoscaling', list(autoscaling_opts)
    from heat.engine.hot import functions as hot_functions
    yield 'yaql', list(hot_functions.yaql_opts)
    for group, opts in clients.list_opts():
        yield group, list(opts)
    for group, opts in api_options.list_opts():
        yield group, list(opts)
    for group, opts in rpc_transport.list_opts():
        yield group, list(opts)
    for group, opts in oslo_db_options.list_opts():
        opts = list(opts)
        # our defaults of oslo.db's options (db_options.register_opts)
        cfg.set_defaults(opts, max_pool_size=db_options.MAX_POOL_SIZE)
        yield group, opts
    for group, opts in db_options.list_opts():
        yield group, list(opts)
