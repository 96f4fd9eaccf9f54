"""A running engine for tests: EngineService served on the RPC transport.

Engine code that calls the engine RPC API (the auto-scaling resources call
the AS RPCs through :func:`heat.engine.autoscaling.client.get`) needs an
engine listening on the configured transport, as in production. This
fixture serves an :class:`~heat.engine.service.EngineService` on a fresh
in-process namespace (``transport_url = inproc://<unique>``), so tests in
one process never see each other's engines.

Use it inside a test that already configured a database (``DBTestCase``
or ``db_fixtures.DatabaseFixture``)::

    self.engine = self.useFixture(engine_fixture.EngineFixture())
    self.engine.service      # the EngineService
    self.engine.client       # an EngineClient on the same transport
"""

import uuid

import fixtures

from heat.common import config
from heat.engine.autoscaling import client as as_client
from heat.rpc import client as rpc_client
from heat.rpc import server as rpc_server
from heat.rpc import transport as rpc_transport

WAIT = 60


class EngineFixture(fixtures.Fixture):
    """One engine (``engine_id``) served on a private in-process bus.

    ``url`` may name a shared bus (another fixture's ``url``) to run
    several engines on one transport, or a ``rabbit://`` URL.
    """

    def __init__(self, engine_id=None, url=None, sweep_interval=0,
                 schedule_interval=0, health_check_tick=0,
                 evaluation_tick=0, **service_kwargs):
        super().__init__()
        self.engine_id = engine_id or 'engine-%s' % uuid.uuid4().hex[:8]
        self.url = url or 'inproc://test-%s' % uuid.uuid4().hex
        self.sweep_interval = sweep_interval
        self.schedule_interval = schedule_interval
        self.health_check_tick = health_check_tick
        self.evaluation_tick = evaluation_tick
        self.service_kwargs = service_kwargs

    def _setUp(self):
        from heat.engine import service
        conf = config.CONF
        rpc_transport.register_opts(conf)
        self.useFixture(_Override(conf, 'transport_url', self.url))
        self.useFixture(_Override(conf, 'sweep_interval',
                                  self.sweep_interval, group='autoscaling'))
        self.useFixture(_Override(conf, 'schedule_interval',
                                  self.schedule_interval,
                                  group='autoscaling'))
        self.useFixture(_Override(conf, 'health_check_tick',
                                  self.health_check_tick,
                                  group='autoscaling'))
        self.useFixture(_Override(conf, 'evaluation_tick',
                                  self.evaluation_tick,
                                  group='autoscaling'))
        as_client.reset()
        self.addCleanup(as_client.reset)
        self.transport = rpc_transport.get_transport(self.url)
        self.service_kwargs.setdefault('report_interval', 3600)
        self.service = service.EngineService(engine_id=self.engine_id,
                                             **self.service_kwargs)
        start = getattr(self.service, 'start', None)
        if callable(start):
            start()
        self.addCleanup(self.service.stop, WAIT)
        self.server = rpc_server.EngineServer(self.service,
                                              self.transport).start()
        self.addCleanup(self.server.stop)
        self.client = rpc_client.EngineClient(self.transport, timeout=WAIT)


class _Override(fixtures.Fixture):
    def __init__(self, conf, name, value, group=None):
        super().__init__()
        self.conf, self.name, self.value, self.group = (
            conf, name, value, group)

    def _setUp(self):
        self.conf.set_override(self.name, self.value, group=self.group)
        self.addCleanup(self.conf.clear_override, self.name,
                        group=self.group)
