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
