"""Rolling updates: upstream's pinned batches, pauses and the timeout."""

from heat.scaling import rolling_update as ru
from heat.tests import base, corpus


class PinnedUpstreamCasesTest(base.TestCase):

    def test_next_batch(self):
        rows = corpus.expectations('TestNextBatch')['scenarios']
        self.assertEqual(71, len(rows))
        for r in rows:
            self.assertEqual(tuple(r['batch']), ru.next_batch(
                r['targ'], r['curr'], r['updated'], r['bat_size'],
                r['min_srv']), r['name'])

    def test_needs_update(self):
        rows = corpus.expectations('TestNeedsUpdate')['scenarios']
        self.assertEqual(15, len(rows))
        for r in rows:
            self.assertEqual(r['result'], ru.needs_update(
                r['targ'], r['curr'], r['updated']), r['name'])

    def test_instance_group_batches(self):
        rows = corpus.expectations(
            'test_instance_group.py__TestGetBatches')['scenarios']
        self.assertEqual(17, len(rows))
        for r in rows:
            self.assertEqual([tuple(b) for b in r['batches']], list(
                ru.batches(r['tgt_cap'], r['curr_cap'], r['bat_size'],
                           r['min_serv'])), r['name'])

    def test_resource_group_batches(self):
        rows = corpus.expectations(
            'test_resource_group.py__TestGetBatches')['scenarios']
        self.assertEqual(41, len(rows))
        for r in rows:
            self.assertEqual([(s, u) for s, u, _ in r['batches']], list(
                ru.resource_group_batches(r['targ_cap'], r['init_cap'],
                                          r['bat_size'], r['min_serv'])),
                r['name'])

    def test_resource_group_assemble(self):
        """Upstream's test_assemble: members '1'..size after each batch
        and exactly the expected ones on the new definition."""
        rows = corpus.expectations(
            'test_resource_group.py__TestGetBatches')['scenarios']
        old, new = 0, 1
        for r in rows:
            members = [(str(i), old) for i in range(r['init_cap'] + 1)]
            updated = set()
            for size, max_upd, names in r['batches']:
                result = ru.resource_group_assemble(
                    members, size, r['targ_cap'], max_upd, new,
                    skip={'0'})
                expected = set(map(str, range(1, size + 1)))
                self.assertEqual(expected, {n for n, _ in result},
                                 r['name'])
                updated = (updated & expected) | set(names)
                self.assertEqual(updated,
                                 {n for n, g in result if g == new},
                                 '%s batch %r' % (r['name'], names))
                members = sorted(result, key=lambda i: int(i[0]))


def _gens(text):
    """``'0:0 1:1'`` -> ``[('0', 0), ('1', 1)]`` (member name: generation)."""
    return [(n, int(g)) for n, g in (p.split(':') for p in text.split())]


class RollingUpdateRulesTest(base.TestCase):
    """Our own rows for upstream's rolling-update rules (no corpus).

    Worked by hand from :mod:`heat.scaling.rolling_update`: a batch
    updates ``num = min(batch, target - updated)`` members and keeps
    ``max(min(current, target - num), keep)`` others serving, where
    ``keep = min(min_in_service, target, current)``.
    """

    #: (target, current, updated, batch_size, min_in_service)
    #:     -> (new group size, members to update)
    NEXT_BATCH = {
        # 3 untouched + 1 updated
        'one_at_a_time': ((4, 4, 0, 1, 0), (4, 1)),
        'last_of_one_at_a_time': ((4, 4, 3, 1, 0), (4, 1)),
        'all_updated_nothing_left': ((4, 4, 4, 1, 0), (4, 0)),
        # 3 serving is below the 4 to keep: one extra member
        'min_in_service_adds_an_extra': ((4, 4, 0, 1, 4), (5, 1)),
        # min_in_service above the target keeps only the target
        'min_in_service_capped_at_target': ((4, 4, 0, 1, 5), (5, 1)),
        # everyone updated: the extra goes again (4 kept, none updated)
        'extra_removed_at_the_end': ((4, 5, 4, 1, 4), (4, 0)),
        # 2 updated + max(min(4, 2), 4) = 4 kept
        'two_extras_for_a_batch_of_two': ((4, 4, 0, 2, 4), (6, 2)),
        # batch of 6 is cut to the 4 members; nobody is kept serving
        'batch_larger_than_group': ((4, 4, 0, 6, 0), (4, 4)),
        # batch of 6 cut to 4, and min_in_service 6 keeps all 4: doubles
        'batch_and_min_larger_than_group': ((4, 4, 0, 5, 6), (8, 4)),
        # batch of 2 cut to the 1 member left to update
        'batch_larger_than_remaining': ((5, 5, 4, 2, 0), (5, 1)),
        # growing 4 -> 6: 2 new ones, all 4 old ones kept
        'grow': ((6, 4, 0, 2, 0), (6, 2)),
        # keep = min(4, 6, 3) = 3: 3 kept + 2 new
        'grow_min_in_service_capped_at_current': ((6, 3, 0, 2, 4), (5, 2)),
        # shrinking 5 -> 3: 2 updated + only 1 kept
        'shrink': ((3, 5, 0, 2, 0), (3, 2)),
        # keep = min(4, 3, 5) = 3: 2 updated + 3 kept
        'shrink_min_in_service': ((3, 5, 0, 2, 4), (5, 2)),
        # nothing to update when the target is 0
        'target_zero': ((0, 3, 0, 2, 0), (0, 0)),
        # from empty: keep = min(1, 3, 0) = 0, so just 2 new
        'from_empty': ((3, 0, 0, 2, 1), (2, 2)),
    }

    #: (target, current, updated) -> more batches?
    NEEDS_UPDATE = {
        'fresh': ((4, 4, 0), True),
        'part_way': ((4, 4, 3), True),
        'all_updated': ((4, 4, 4), False),
        'more_updated_than_members': ((4, 4, 5), False),
        # every member is new but the extra is still there
        'above_target_all_updated': ((4, 5, 5), True),
        'above_target_part_way': ((4, 5, 4), True),
        # every member is new but the group must still grow
        'below_target_all_updated': ((4, 3, 3), True),
        'below_target_more_updated': ((4, 3, 4), True),
        'empty_and_target_zero': ((0, 0, 0), False),
        'target_zero_members_left': ((0, 2, 2), True),
    }

    #: InstanceGroup: (target, current, batch_size, min_in_service)
    #:     -> every (group size, members to update); every member a batch
    #:     creates or updates counts as up to date
    BATCHES = {
        'one_at_a_time': ((4, 4, 1, 0), [(4, 1)] * 4),
        'two_at_a_time': ((4, 4, 2, 0), [(4, 2), (4, 2)]),
        'whole_group_at_once': ((4, 4, 4, 0), [(4, 4)]),
        'batch_larger_than_group': ((4, 4, 5, 0), [(4, 4)]),
        # 4 batches of 1 with one extra, then back to 4
        'min_in_service_one_extra': ((4, 4, 1, 4),
                                     [(5, 1)] * 4 + [(4, 0)]),
        # two extras (6 = 2 + 4 kept) while 2 at a time are updated
        'min_in_service_two_extras': ((4, 4, 2, 4),
                                      [(6, 2), (6, 2), (4, 0)]),
        # 6 = 2 + max(min(5, 3), 4) twice; then 1 left: 1 + 4 = 5, which
        # also drops the extra, and the group is done at 5
        'odd_size_min_in_service': ((5, 5, 2, 4),
                                    [(6, 2), (6, 2), (5, 1)]),
        # 4 at once with one kept serving, then the extra goes
        'whole_batch_one_in_service': ((4, 4, 4, 1), [(5, 4), (4, 0)]),
        # batch and min_in_service both larger than the group
        'doubles_then_shrinks': ((4, 4, 5, 6), [(8, 4), (4, 0)]),
        # keep 3: (5, 2) then 1 left: 1 + max(min(5, 2), 3) = 4, then 3
        'shrinks_back_step_by_step': ((3, 3, 2, 4),
                                      [(5, 2), (4, 1), (3, 0)]),
        'grow': ((6, 4, 2, 0), [(6, 2)] * 3),
        # 2 + min(5, 1) = 3, then 1 + min(3, 2) = 3
        'shrink': ((3, 5, 2, 0), [(3, 2), (3, 1)]),
        'shrink_one_at_a_time': ((3, 4, 1, 0), [(3, 1)] * 3),
        'to_zero': ((0, 3, 2, 0), [(0, 0)]),
        # keep = min(1, 3, 0) = 0 at first: 2 new, then 1 + max(2, 1)
        'from_empty': ((3, 0, 2, 1), [(2, 2), (3, 1)]),
    }

    #: ResourceGroup: same arguments; extras created above max(current,
    #:     target) to keep min_in_service serving do not count as updated
    RESOURCE_GROUP_BATCHES = {
        'one_at_a_time': ((4, 4, 1, 0), [(4, 1)] * 4),
        'two_at_a_time': ((4, 4, 2, 0), [(4, 2), (4, 2)]),
        'batch_larger_than_group': ((4, 4, 5, 0), [(4, 4)]),
        # the first extra (index 4) is new but does not count: 5 batches
        # of 1 (InstanceGroup needs 4), then the extra goes
        'min_in_service_one_extra': ((4, 4, 1, 4),
                                     [(5, 1)] * 5 + [(4, 0)]),
        # the 2 extras of the first batch do not count: 3 batches of 2
        'min_in_service_two_extras': ((4, 4, 2, 4),
                                      [(6, 2)] * 3 + [(4, 0)]),
        # 5 = 4 + 1 kept; 4 updated but 1 extra: 3 count, 1 left: 1 + 3
        'whole_batch_one_in_service': ((4, 4, 4, 1), [(5, 4), (4, 1)]),
        # 4 extras do not count: a second full batch, then back to 4
        'doubles_then_shrinks': ((4, 4, 5, 6), [(8, 4), (8, 4), (4, 0)]),
        # keep 3: (5, 2) counts 0; (5, 2) counts 2; 1 + 3; then 3
        'shrinks_back_step_by_step': ((3, 3, 2, 4),
                                      [(5, 2), (5, 2), (4, 1), (3, 0)]),
        # shrinking 7 -> 4: 2 + min(7, 2) = 4, nothing above current
        'shrink': ((4, 7, 2, 0), [(4, 2), (4, 2)]),
        # 6 is below the current 7: no extras, both batches count
        'shrink_min_in_service': ((4, 7, 2, 4), [(6, 2), (6, 2), (4, 0)]),
        'grow': ((6, 4, 2, 0), [(6, 2)] * 3),
        # keep = min(4, 6, 3) = 3: 5 = 2 + 3; then at 5, 2 + 4 = 6
        'grow_min_in_service': ((6, 3, 2, 4), [(5, 2), (6, 2), (6, 2)]),
        'to_zero': ((0, 3, 1, 0), [(0, 0)]),
        'from_empty': ((2, 0, 1, 0), [(1, 1), (2, 1)]),
    }

    #: resource_group_assemble(existing, size, target, max_updates, 1,
    #:     skip) -> members after the batch, as ``name:generation``
    ASSEMBLE = {
        # highest index below the target first
        'highest_index_first': (('0:0 1:0 2:0', 3, 3, 1, ()),
                                '0:0 1:0 2:1'),
        # '2' is up to date already: the next highest goes
        'up_to_date_members_skipped': (('0:0 1:0 2:1', 3, 3, 1, ()),
                                       '0:0 1:1 2:1'),
        # only '0' is left to update: a batch of 2 updates just it
        'batch_larger_than_remaining': (('0:0 1:1 2:1', 3, 3, 2, ()),
                                        '0:1 1:1 2:1'),
        'no_updates': (('0:0 1:0 2:0', 3, 3, 0, ()), '0:0 1:0 2:0'),
        # new members count toward the batch: 2 created, none switched
        'created_members_fill_the_batch': (('0:0 1:0', 4, 4, 2, ()),
                                           '0:0 1:0 2:1 3:1'),
        # 1 created ('2'), 1 switched: the highest old one ('1')
        'created_then_highest_switched': (('0:0 1:0', 3, 3, 2, ()),
                                          '0:0 1:1 2:1'),
        # '3' is at/above the target (a temporary extra): updated last,
        # so 3 updates go to '2', '1' and '0'
        'extra_member_updated_last': (('0:0 1:0 2:0 3:0', 4, 3, 3, ()),
                                      '0:1 1:1 2:1 3:0'),
        # '3' and '4' are not among the first 3 names: removed first
        'shrink_removes_highest_names': (('0:1 1:1 2:0 3:0 4:0', 3, 3, 0,
                                          ()), '0:1 1:1 2:0'),
        'shrink_and_update': (('0:0 1:0 2:0 3:0 4:0', 3, 3, 2, ()),
                              '0:0 1:1 2:1'),
        # names are 0, 2, 3: '3' is the highest
        'skip_list_name_not_used': (('0:0 2:0 3:0', 3, 3, 1, {'1'}),
                                    '0:0 2:0 3:1'),
        # the skipped member is dropped; '3' is created in its place
        'skipped_member_replaced': (('0:0 1:0 2:0', 3, 3, 1, {'1'}),
                                    '0:0 2:0 3:1'),
        # a missing member takes the lowest unused name
        'gap_filled_with_lowest_name': (('0:0 2:0', 3, 3, 1, ()),
                                        '0:0 1:1 2:0'),
        'to_zero': (('0:0 1:1', 0, 0, 0, ()), ''),
    }

    def test_next_batch(self):
        for case, (args, expected) in self.NEXT_BATCH.items():
            self.assertEqual(expected, ru.next_batch(*args), case)

    def test_needs_update(self):
        for case, (args, expected) in self.NEEDS_UPDATE.items():
            self.assertIs(expected, ru.needs_update(*args), case)

    def test_instance_group_batches(self):
        for case, (args, expected) in self.BATCHES.items():
            self.assertEqual(expected, list(ru.batches(*args)), case)

    def test_resource_group_batches(self):
        for case, (args, expected) in self.RESOURCE_GROUP_BATCHES.items():
            self.assertEqual(expected,
                             list(ru.resource_group_batches(*args)), case)

    def test_resource_group_assemble(self):
        for case, (args, expected) in self.ASSEMBLE.items():
            existing, size, target, max_upd, skip = args
            got = ru.resource_group_assemble(_gens(existing), size, target,
                                             max_upd, 1, skip=skip)
            self.assertEqual(dict(_gens(expected)), dict(got), case)
            self.assertEqual(size, len(got), case)


class NextBatchTest(base.TestCase):

    def test_more_updated_than_members_is_an_error(self):
        err = self.assertRaises(ValueError, ru.next_batch, 4, 3, 4, 1, 0)
        self.assertIn('4 members up to date', str(err))

    def test_zero_batch_size_refused(self):
        # Upstream would loop forever.
        self.assertRaises(ValueError, list, ru.batches(4, 4, 0, 0))
        self.assertRaises(ValueError, list,
                          ru.resource_group_batches(4, 4, 0, 0))

    def test_negative_min_in_service_refused(self):
        self.assertRaises(ValueError, list, ru.batches(4, 4, 1, -1))

    def test_batches_end_at_target(self):
        for target, current in ((5, 5), (2, 7), (7, 2), (0, 3), (3, 0)):
            got = list(ru.batches(target, current, 2, 1))
            self.assertEqual(target, got[-1][0], (target, current))


class ResourceGroupNamesTest(base.TestCase):

    CASES = {
        'plain': ((3, ()), ['0', '1', '2']),
        'skip_first': ((3, {'0'}), ['1', '2', '3']),
        'skip_some': ((3, {'1', '3'}), ['0', '2', '4']),
        'none': ((0, {'0'}), []),
    }

    def test_names(self):
        for case, (args, expected) in self.CASES.items():
            self.assertEqual(expected, ru.resource_group_names(*args), case)


class PauseTimeTest(base.TestCase):

    ISO = {
        'seconds': ('PT1S', 1),
        'zero': ('PT0S', 0),
        'minutes': ('PT5M', 300),
        'all_parts': ('PT0H2M3S', 123),
        'bare_prefix': ('PT', 0),
        'one_hour': ('PT1H', 3600),
        'minutes_as_seconds': ('PT3600S', 3600),
    }

    def test_long_durations_parse(self):
        self.assertEqual(3723, ru.parse_iso_duration('PT1H2M3S'))

    BAD = {
        'years': 'P1YT1H',
        'garbage': 'ABCD1234',
        'days': 'P1D',
        'lowercase': 'pt1s',
        'fraction': 'PT1.5S',
        'trailing': 'PT1S ',
        'wrong_order': 'PT1S1M',
        'empty': '',
        'number': 30,
    }

    def test_parse(self):
        for case, (text, seconds) in self.ISO.items():
            self.assertEqual(seconds, ru.parse_iso_duration(text), case)
            self.assertEqual(seconds, ru.aws_pause_time(text), case)

    def test_rejected_with_upstream_message(self):
        for case, text in self.BAD.items():
            err = self.assertRaises(ValueError, ru.aws_pause_time, text)
            self.assertEqual('Only ISO 8601 duration format of the form '
                             'PT#H#M#S is supported.', str(err), case)

    def test_aws_cap_is_one_hour(self):
        err = self.assertRaises(ValueError, ru.aws_pause_time, 'PT1H1S')
        self.assertEqual('Maximum PauseTime is 1 hour.', str(err))
        err = self.assertRaises(ValueError, ru.aws_pause_time, 'PT61M',
                                name='pause_time')
        self.assertEqual('Maximum pause_time is 1 hour.', str(err))

    def test_os_pause_time(self):
        self.assertEqual(0, ru.os_pause_time(0))
        self.assertEqual(7200, ru.os_pause_time(7200))
        self.assertEqual(1.5, ru.os_pause_time(1.5))
        err = self.assertRaises(ValueError, ru.os_pause_time, -1)
        self.assertIn('pause_time -1', str(err))
        err = self.assertRaises(ValueError, ru.os_pause_time, 'PT1S')
        self.assertIn('not a number', str(err))


class UpdateTimeoutTest(base.TestCase):
    """(batches, pause, timeout) -> time left per batch, or an error."""

    CASES = {
        'one_batch_never_pauses': (1, 10_000, 3600, 3600),
        'no_batches': (0, 60, 3600, 3600),
        'pauses_fit': (4, 60, 3600, 3420),
        'no_pause': (10, 0, 3600, 3600),
        'pauses_reach_timeout': (4, 1200, 3600, None),
        'pauses_exceed_timeout': (5, 1200, 3600, None),
        'just_under': (4, 1199, 3600, 3),
    }

    def test_update_timeout(self):
        for case, (n, pause, timeout, left) in self.CASES.items():
            if left is None:
                err = self.assertRaises(ValueError, ru.update_timeout, n,
                                        pause, timeout)
                self.assertEqual('The current update policy will result '
                                 'in stack update timeout.', str(err), case)
            else:
                self.assertEqual(left, ru.update_timeout(n, pause, timeout),
                                 case)
