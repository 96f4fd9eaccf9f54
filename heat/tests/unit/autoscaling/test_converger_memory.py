"""The converger's memory bound: members are held as resource objects a
batch (``[autoscaling] converge_batch_size``) at a time, never the whole
group at once. The end of a rolling update, which looks at every live
member, builds them one batch at a time."""

import types
from unittest import mock

import testtools
from oslo_config import cfg

from heat.common import config  # noqa: F401 - registers [autoscaling]
from heat.engine.autoscaling import converger
from heat.engine.autoscaling import engine as eng
from heat.engine.autoscaling import members as members_mod


def _row(name, status=eng.M_ACTIVE, generation=1):
    return types.SimpleNamespace(name=name, status=status,
                                 generation=generation)


class _Res:
    always_update = True
    action, status = 'CREATE', 'COMPLETE'

    def __init__(self, name, updated):
        self.name = name
        self.t = object()
        self._updated = updated

    def update(self, after, before):
        self._updated.append(self.name)


class TestTouchNestedMembersInBatches(testtools.TestCase):

    def setUp(self):
        super().setUp()
        cfg.CONF.set_override('converge_batch_size', 2, group='autoscaling')
        self.addCleanup(cfg.CONF.clear_override, 'converge_batch_size',
                        group='autoscaling')
        self.conv = converger.Converger(None, 'g1', 'e1')
        self.conv.write_fence = mock.Mock(lost=mock.Mock(
            is_set=mock.Mock(return_value=False)))
        self.conv._renew = mock.Mock()
        self.held = []      # the names of each stack object built
        self.updated = []

        def for_members(context, group, names, generations=None,
                        guard=None):
            self.held.append(list(names))
            return types.SimpleNamespace(resources={
                n: _Res(n, self.updated) for n in names})
        patch = mock.patch.object(members_mod.MemberStack, 'for_members',
                                  side_effect=for_members)
        patch.start()
        self.addCleanup(patch.stop)

    def test_a_batch_at_a_time(self):
        rows = [_row('m%d' % i) for i in range(5)] + [
            _row('gone', status=eng.REMOVING)]
        self.conv._touch_nested_members(types.SimpleNamespace(id='g1'),
                                        rows)
        self.assertEqual([['m0', 'm1'], ['m2', 'm3'], ['m4']], self.held)
        self.assertEqual(['m%d' % i for i in range(5)],
                         sorted(self.updated))
        self.assertEqual(3, self.conv._renew.call_count)
        self.assertEqual(3, self.conv.write_fence.check.call_count)

    def test_nothing_live(self):
        self.conv._touch_nested_members(types.SimpleNamespace(id='g1'),
                                        [_row('x', status=eng.REMOVING)])
        self.assertEqual([], self.held)
        self.conv._renew.assert_not_called()
