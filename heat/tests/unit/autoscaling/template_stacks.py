"""What the tests of our own group properties in templates share
(``test_health_check_templates``, ``test_lifecycle_templates``): stacks
on a served engine, the group a stack's resource made, and a record of
the AS calls the group resources make."""

from unittest import mock

import yaml

from heat.common import context
from heat.engine.autoscaling import client as as_client
from heat.tests import db_fixtures, engine_fixture

WAIT = 60


def ctx():
    return context.RequestContext(project_id='p1', user_id='u1',
                                  user_name='user1')


class ServedStackCase(db_fixtures.DBTestCase):

    def setUp(self):
        super().setUp()
        self.engine_fx = self.useFixture(engine_fixture.EngineFixture())
        self.svc = self.engine_fx.service
        self.client = self.engine_fx.client
        self.ctx = ctx()

    def create(self, name, tmpl, env=None, files=None, params=None):
        env = dict(env or {})
        if params:
            env['parameters'] = params
        ident = self.svc.create_stack(
            self.ctx, name,
            tmpl if isinstance(tmpl, str) else yaml.safe_dump(tmpl),
            env, files or {}, {'timeout_mins': 5})
        self.wait(ident)
        self.assertState('CREATE_COMPLETE', ident)
        return ident

    def update(self, ident, tmpl, env=None, files=None):
        self.svc.update_stack(self.ctx, ident, yaml.safe_dump(tmpl),
                              env or {}, files or {}, {'timeout_mins': 5})
        self.wait(ident)
        self.assertState('UPDATE_COMPLETE', ident)

    def wait(self, ident):
        self.assertTrue(self.svc.wait(ident, WAIT), 'stack action hung')

    def assertState(self, expected, ident):
        info = self.svc.show_stack(self.ctx, ident,
                                   resolve_outputs=False)[0]
        self.assertEqual(expected, '%s_%s' % (info['stack_action'],
                                              info['stack_status']),
                         info['stack_status_reason'])

    def outputs(self, ident):
        info = self.svc.show_stack(self.ctx, ident)[0]
        return {o['output_key']: o.get('output_value')
                for o in info.get('outputs') or ()}

    def group(self, ident, name='asg'):
        res = self.svc.describe_stack_resource(self.ctx, ident, name)
        return self.client.show_scaling_group(
            self.ctx, res['physical_resource_id'], with_members=True)

    def record_calls(self):
        """The AS calls the resources make from now on: a list of
        ``(method, kwargs)`` of create/update_scaling_group."""
        calls = []
        real_get = as_client.get

        class Recorder:
            def __init__(self, client):
                self._client = client

            def __getattr__(self, name):
                method = getattr(self._client, name)
                if name not in ('create_scaling_group',
                                'update_scaling_group'):
                    return method

                def call(ctxt, *args, **kwargs):
                    calls.append((name, dict(kwargs)))
                    return method(ctxt, *args, **kwargs)
                return call

        patcher = mock.patch.object(as_client, 'get',
                                    lambda: Recorder(real_get()))
        patcher.start()
        self.addCleanup(patcher.stop)
        return calls
