"""ResourceGroup's pinned upstream tables, one row per case.

Rows come from ``heat/tests/openstack/heat/test_resource_group.py`` at
the corpus commit (see ``/work/shared/corpus/INDEX.md``): naming with a
skip list, the skip-list update, member definitions, rolling batches and
the tasks of a replacement. Those tests skip when the corpus is absent.

Next to each corpus class, a ``...RulesTest`` class checks the same
behaviour on rows of our own, worked out by hand from the rules in
``resource_group.py`` and ``heat/scaling/rolling_update.py``; they need
nothing outside the repository.
"""

from heat.engine.resources.openstack.heat import resource_group as rg
from heat.tests import base, corpus


def _rows(name, count):
    rows = corpus.expectations('test_resource_group.py__' + name)
    rows = rows['scenarios']
    assert len(rows) == count, (name, len(rows))
    return rows


def _ref_lookup(members, fallback):
    """Member ``n``'s reference is ``id-n``: resolved through the
    ``refs_map`` output, or (``fallback``) by asking each member."""
    if fallback:
        def by_member(ref):
            for name in members:
                if 'id-%s' % name == ref:
                    return name
            return None
        return by_member
    refs_map = {n: 'id-%s' % n for n in members}
    inverse = {v: k for k, v in refs_map.items()}
    return inverse.get


#: Member definitions before and after a rolling update.
OLD_DEF = {'type': 'OS::Heat::None', 'properties': {'v': 'old'}}
NEW_DEF = {'type': 'OS::Heat::None', 'properties': {'v': 'new'}}


class ReplaceTest(base.TestCase):
    """10 rows: tasks (updates and pauses) of a rolling replacement."""

    def test_rows(self):
        for r in _rows('ReplaceTest', 10):
            tasks = rg.replace_plan(r['count'], r['existing'], r['skipped'],
                                    r['batch_size'], r['min_in_service'],
                                    r['pause_sec'])
            self.assertEqual(r['tasks'], len(tasks), r['name'])

    def test_pauses_only_between_batches(self):
        tasks = rg.replace_plan(3, [str(i) for i in range(6)], ['0'], 2, 0,
                                10)
        self.assertEqual(['update', 'pause', 'update'],
                         [t[0] for t in tasks])
        self.assertEqual(('pause', 10), tasks[1])


class ReplacePlanRulesTest(base.TestCase):
    """Our own rows for replace_plan (no corpus): (count, existing member
    names, skip list, batch size, min_in_service, pause) -> the update
    tasks ``(size, max_updates)``; a pause goes between two of them.
    Skipped existing members do not count toward the current size."""

    CASES = {
        'one_at_a_time': ((2, '0 1', '', 1, 0, 0), [(2, 1), (2, 1)]),
        # same batches, one pause between them
        'one_at_a_time_paused': ((2, '0 1', '', 1, 0, 10),
                                 [(2, 1), (2, 1)]),
        # one batch: never a pause
        'whole_group_paused': ((2, '0 1', '', 2, 0, 10), [(2, 2)]),
        'batch_larger_than_group': ((2, '0 1', '', 5, 0, 10), [(2, 2)]),
        # an extra member (not counted) keeps 2 in service: 3 batches of 1
        # then back to 2
        'min_in_service_all': ((2, '0 1', '', 1, 2, 0),
                               [(3, 1), (3, 1), (3, 1), (2, 0)]),
        # '0' is skipped: 3 current members, not 4. Keeping 3 in service
        # makes 2 extras (5 = 2 + 3) that do not count, then (5, 2),
        # then 1 + 3 = 4, then back to 3. (Counting 4 members, the first
        # batch would count 1 of its 2, giving 3 batches.)
        'skipped_member_not_counted': ((3, '0 1 2 3', '0', 2, 3, 0),
                                       [(5, 2), (5, 2), (4, 1), (3, 0)]),
        # a skip-list name no member has does not change the count: the
        # same 3 members as above (counting 2 would start at (4, 2))
        'skip_of_missing_member': ((3, '0 1 2', '5', 2, 3, 0),
                                   [(5, 2), (5, 2), (4, 1), (3, 0)]),
        # every existing member skipped: grows from 0, one at a time
        'all_existing_skipped': ((2, '0 1', '0 1', 1, 0, 5),
                                 [(1, 1), (2, 1)]),
        'shrink_to_zero': ((0, '0 1 2', '', 1, 0, 10), [(0, 0)]),
        'nothing_to_do': ((0, '', '', 1, 0, 10), []),
        # batch_create of 5 in twos from nothing: 2, 4, 5
        'batch_create': ((5, '', '', 2, 0, 3), [(2, 2), (4, 2), (5, 1)]),
        # 3 extras (not counted), a second full batch, then back to 3
        'doubles_while_replacing': ((3, '0 1 2', '', 5, 3, 10),
                                    [(6, 3), (6, 3), (3, 0)]),
    }

    def test_rows(self):
        for case, (args, expected) in self.CASES.items():
            count, existing, skip, batch, min_serv, pause = args
            tasks = rg.replace_plan(count, existing.split(), skip.split(),
                                    batch, min_serv, pause)
            pauses = max(len(expected) - 1, 0) if pause else 0
            self.assertEqual(len(expected) + pauses, len(tasks), case)
            self.assertEqual(expected, [t[1:] for t in tasks
                                        if t[0] == 'update'], case)
            self.assertEqual(len(expected), rg.batch_count(tasks), case)
            self.assertEqual([('pause', pause)] * pauses,
                             [t for t in tasks if t[0] == 'pause'], case)
            if pauses:
                self.assertEqual(['update', 'pause'] * pauses + ['update'],
                                 [t[0] for t in tasks], case)


class ResourceGroupEmptyParams(base.TestCase):
    """7 rows: None-valued properties are dropped, falsy ones kept."""

    def test_rows(self):
        for r in _rows('ResourceGroupEmptyParams', 7):
            res_def = {'type': 'OS::Heat::RandomString',
                       'properties': {'Foo': r['value']}}
            self.assertEqual(
                r['expected'],
                rg.clean_resource_def(res_def)['properties'], r['name'])
            self.assertEqual(
                r['expected_include'],
                rg.clean_resource_def(res_def, True)['properties'],
                r['name'])

    def test_member_snippet_keeps_falsy_values(self):
        for r in _rows('ResourceGroupEmptyParams', 7):
            res_def = rg.clean_resource_def(
                {'type': 'T', 'properties': {'Foo': r['value']}})
            snippet = rg.member_snippet(res_def, '0', '%index%')
            self.assertEqual(r['expected'], snippet.get('properties', {}),
                             r['name'])


class MemberPropertiesRulesTest(base.TestCase):
    """Our own rows for clean_resource_def (no corpus): properties ->
    (member properties, with include_all). Only top-level None values
    are dropped; every other falsy value is kept as given."""

    CASES = {
        'string': ({'Foo': 'Bar'}, {'Foo': 'Bar'}, {'Foo': 'Bar'}),
        'none_dropped': ({'Foo': None}, {}, {'Foo': None}),
        'false_kept': ({'Foo': False}, {'Foo': False}, {'Foo': False}),
        'empty_string_kept': ({'Foo': ''}, {'Foo': ''}, {'Foo': ''}),
        'zero_kept': ({'Foo': 0}, {'Foo': 0}, {'Foo': 0}),
        'zero_float_kept': ({'Foo': 0.0}, {'Foo': 0.0}, {'Foo': 0.0}),
        'empty_map_kept': ({'Foo': {}}, {'Foo': {}}, {'Foo': {}}),
        'empty_list_kept': ({'Foo': []}, {'Foo': []}, {'Foo': []}),
        # not recursive: a None inside a value stays
        'nested_none_kept': ({'Foo': {'a': None}, 'L': [None]},
                             {'Foo': {'a': None}, 'L': [None]},
                             {'Foo': {'a': None}, 'L': [None]}),
        'only_none_ones_dropped': ({'a': None, 'b': 1, 'c': None, 'd': ''},
                                   {'b': 1, 'd': ''},
                                   {'a': None, 'b': 1, 'c': None, 'd': ''}),
    }

    def test_rows(self):
        for case, (props, expected, expected_all) in self.CASES.items():
            res_def = {'type': 'OS::Heat::RandomString', 'properties': props}
            self.assertEqual(expected, rg.clean_resource_def(
                res_def)['properties'], case)
            self.assertEqual(expected_all, rg.clean_resource_def(
                res_def, True)['properties'], case)
            # a copy: the property value given is never changed
            self.assertEqual({'type': 'OS::Heat::RandomString',
                              'properties': props}, res_def, case)

    def test_member_snippet_keeps_falsy_values(self):
        for case, (props, expected, _) in self.CASES.items():
            res_def = rg.clean_resource_def({'type': 'T',
                                             'properties': props})
            snippet = rg.member_snippet(res_def, '0', '%index%')
            self.assertEqual(expected, snippet.get('properties', {}), case)


class ResourceGroupNameListTest(base.TestCase):
    """4 rows: skipped names are left out; numbering continues upward."""

    def test_rows(self):
        for r in _rows('ResourceGroupNameListTest', 4):
            self.assertEqual(r['expected'],
                             rg.member_names(r['count'], set(r['skiplist'])),
                             r['name'])


class MemberNamesRulesTest(base.TestCase):
    """Our own rows for member_names (no corpus): (count, skip list) ->
    names. Skipped names are left out and numbering continues upward."""

    CASES = {
        'no_skip_list': ((3, ''), '0 1 2'),
        'zero_count': ((0, '0'), ''),
        'one_member_first_skipped': ((1, '0'), '1'),
        'skip_first': ((2, '0'), '1 2'),
        'skip_middle': ((3, '1'), '0 2 3'),
        'skip_a_run': ((3, '0 1 2'), '3 4 5'),
        'skip_gaps': ((4, '1 3 4'), '0 2 5 6'),
        'skip_beyond_count_ignored': ((2, '5'), '0 1'),
        'non_number_skip_ignored': ((2, 'x'), '0 1'),
    }

    def test_rows(self):
        for case, ((count, skip), expected) in self.CASES.items():
            self.assertEqual(expected.split(),
                             rg.member_names(count, set(skip.split())),
                             case)


class ResourceGroupSkiplistTest(base.TestCase):
    """10 rows: the skip list after removal_policies, and whether it is
    stored again. Member ``n``'s reference is ``id-n``; ``fallback`` rows
    resolve references by asking the members instead of the ``refs_map``
    output."""

    def test_rows(self):
        for r in _rows('ResourceGroupSkiplistTest', 10):
            current = rg.parse_skip_list(r['data_in'])
            new, changed = rg.updated_skip_list(
                current, r['rm_mode'], [{'resource_list': r['rm_list']}],
                set(r['nested_rsrcs']),
                _ref_lookup(r['nested_rsrcs'], r['fallback']))
            self.assertEqual(r['expected'], sorted(new), r['name'])
            self.assertEqual(r['saved'], changed, r['name'])

    def test_stored_form_is_sorted_csv(self):
        self.assertEqual('0,1,3', rg.format_skip_list({'3', '0', '1'}))
        self.assertEqual([], rg.parse_skip_list(None))
        self.assertEqual([], rg.parse_skip_list(''))

    def test_numbers_are_names(self):
        new, _ = rg.updated_skip_list([], 'append',
                                      [{'resource_list': [1, 2]}],
                                      {'0', '1', '2'}, lambda ref: None)
        self.assertEqual({'1', '2'}, new)

    def test_before_the_nested_stack_every_entry_is_a_name(self):
        new, _ = rg.updated_skip_list([], 'append',
                                      [{'resource_list': ['7']}], set(),
                                      lambda ref: None, nested_exists=False)
        self.assertEqual({'7'}, new)


class SkipListRulesTest(base.TestCase):
    """Our own rows for updated_skip_list (no corpus): (stored list,
    mode, resource_list, members, resolve by asking the members) ->
    (new skip list, changed). Member ``n``'s reference is ``id-n``."""

    CASES = {
        'nothing_to_remove': (('', 'append', [], '0 1', False), ('', False)),
        'name_added': (('', 'append', ['1'], '0 1 2', False), ('1', True)),
        'reference_added': (('', 'append', ['id-2'], '0 1 2', False),
                            ('2', True)),
        'reference_added_via_members': (('', 'append', ['id-2'], '0 1 2',
                                         True), ('2', True)),
        # a number is taken as a name
        'number_is_a_name': (('', 'append', [1], '0 1', False),
                             ('1', True)),
        'append_keeps_stored': (('0', 'append', ['2'], '1 2 3', False),
                                ('0 2', True)),
        # '2' is stored already (it is no member any more): no change
        'stored_name_not_saved_again': (('0 2', 'append', ['2'], '1 3',
                                         False), ('0 2', False)),
        'name_and_its_reference_once': (('', 'append', ['1', 'id-1'],
                                         '0 1 2', True), ('1', True)),
        'unknown_name_ignored': (('', 'append', ['7'], '0 1', False),
                                 ('', False)),
        'unknown_reference_ignored': (('1', 'append', ['id-9'], '0 2',
                                       True), ('1', False)),
        'update_replaces_stored': (('0 1', 'update', ['2'], '0 1 2 3',
                                    False), ('2', True)),
        # the same names again: nothing to store
        'update_with_the_same_names': (('0 1', 'update', ['0', '1'], '2 3',
                                        False), ('0 1', False)),
        'update_with_nothing_clears': (('0 1', 'update', [], '2', False),
                                       ('', True)),
    }

    def test_own_rows(self):
        for case, (args, (expected, saved)) in self.CASES.items():
            stored, mode, rm_list, members, fallback = args
            members = members.split()
            current = rg.parse_skip_list(','.join(stored.split()))
            new, changed = rg.updated_skip_list(
                current, mode, [{'resource_list': rm_list}], set(members),
                _ref_lookup(members, fallback))
            self.assertEqual(expected.split(), sorted(new), case)
            self.assertIs(saved, changed, case)


class TestGetBatches(base.TestCase):
    """41 rows: batch sizes, and which members get the new definition in
    each batch (highest new indices first, then existing members from
    the highest index down), with '0' on the skip list."""

    OLD, NEW = OLD_DEF, NEW_DEF

    def test_batch_sizes(self):
        for r in _rows('TestGetBatches', 41):
            tasks = rg.replace_plan(
                r['targ_cap'], [str(i) for i in range(r['init_cap'] + 1)],
                ['0'], r['bat_size'], r['min_serv'], 0)
            self.assertEqual([(s, u) for s, u, _ in r['batches']],
                             [(t[1], t[2]) for t in tasks], r['name'])

    def test_members_updated_per_batch(self):
        for r in _rows('TestGetBatches', 41):
            snippets = {str(i): rg.member_snippet(self.OLD, str(i), '%index%')
                        for i in range(r['init_cap'] + 1)}
            updated = set()
            for size, max_upd, names in r['batches']:
                tmpl = rg.assemble_rolling(snippets, self.NEW, size,
                                           r['targ_cap'], max_upd,
                                           '%index%', skip={'0'})
                result = tmpl['resources']
                expected = set(map(str, range(1, size + 1)))
                self.assertEqual(expected, set(result), r['name'])
                updated = (updated & expected) | set(names)
                self.assertEqual(
                    updated,
                    {n for n, s in result.items()
                     if s['properties']['v'] == 'new'},
                    '%s batch %r' % (r['name'], names))
                self.assertEqual(sorted(expected),
                                 sorted(tmpl['outputs']['refs_map']['value']))
                snippets = result


class RollingBatchesRulesTest(base.TestCase):
    """Our own rows for rolling updates of members '1'..init (no corpus;
    '0' exists but is on the skip list): (target, init, batch size,
    min_in_service) -> per batch (size, max_updates, members that get
    the new definition in it). New members are created first (lowest
    unused names), then members below the target from the highest index
    down; extras at or above the target are never updated and members
    outside the first ``size`` names are removed first."""

    CASES = {
        'one_at_a_time': ((4, 4, 1, 0), [(4, 1, '4'), (4, 1, '3'),
                                         (4, 1, '2'), (4, 1, '1')]),
        'two_at_a_time': ((4, 4, 2, 0), [(4, 2, '4 3'), (4, 2, '2 1')]),
        'batch_larger_than_group': ((4, 4, 5, 0), [(4, 4, '4 3 2 1')]),
        # the extra '5' is created new (does not count), then 4..1, then
        # '5' goes again
        'min_in_service_one_extra': ((4, 4, 1, 4), [
            (5, 1, '5'), (5, 1, '4'), (5, 1, '3'), (5, 1, '2'),
            (5, 1, '1'), (4, 0, '')]),
        'min_in_service_two_extras': ((4, 4, 2, 4), [
            (6, 2, '6 5'), (6, 2, '4 3'), (6, 2, '2 1'), (4, 0, '')]),
        # '5' is created, 3 more switched (4, 3, 2); then '5' is removed
        # and the last old one, '1', switched
        'whole_batch_one_in_service': ((4, 4, 4, 1), [
            (5, 4, '5 4 3 2'), (4, 1, '1')]),
        'doubles_then_shrinks': ((4, 4, 5, 6), [
            (8, 4, '8 7 6 5'), (8, 4, '4 3 2 1'), (4, 0, '')]),
        # '4' and '5' are extras (at/above target 3): '1' is switched
        # while '4' still serves, and '5' is removed first
        'shrinks_back_step_by_step': ((3, 3, 2, 4), [
            (5, 2, '5 4'), (5, 2, '3 2'), (4, 1, '1'), (3, 0, '')]),
        # 5..7 are removed first; 4 and 3 switched
        'shrink': ((4, 7, 2, 0), [(4, 2, '4 3'), (4, 2, '2 1')]),
        # '7' is removed, '5' and '6' (above target) are kept unchanged
        'shrink_min_in_service': ((4, 7, 2, 4), [
            (6, 2, '4 3'), (6, 2, '2 1'), (4, 0, '')]),
        'grow': ((6, 4, 2, 0), [(6, 2, '6 5'), (6, 2, '4 3'),
                                (6, 2, '2 1')]),
        # '6' created and one switch, the highest old member: '3'
        'grow_min_in_service': ((6, 3, 2, 4), [
            (5, 2, '5 4'), (6, 2, '6 3'), (6, 2, '2 1')]),
        'to_zero': ((0, 3, 1, 0), [(0, 0, '')]),
    }

    OLD, NEW = OLD_DEF, NEW_DEF

    def test_own_batch_sizes(self):
        for case, (args, batches) in self.CASES.items():
            targ, init, bat_size, min_serv = args
            tasks = rg.replace_plan(targ, [str(i) for i in range(init + 1)],
                                    ['0'], bat_size, min_serv, 0)
            self.assertEqual([(s, u) for s, u, _ in batches],
                             [(t[1], t[2]) for t in tasks], case)

    def test_own_members_updated_per_batch(self):
        for case, (args, batches) in self.CASES.items():
            targ, init, _, _ = args
            snippets = {str(i): rg.member_snippet(self.OLD, str(i), '%index%')
                        for i in range(init + 1)}
            updated = set()
            for size, max_upd, names in batches:
                tmpl = rg.assemble_rolling(snippets, self.NEW, size, targ,
                                           max_upd, '%index%', skip={'0'})
                result = tmpl['resources']
                expected = set(map(str, range(1, size + 1)))
                self.assertEqual(expected, set(result), case)
                updated = (updated & expected) | set(names.split())
                self.assertEqual(
                    updated,
                    {n for n, s in result.items()
                     if s['properties']['v'] == 'new'},
                    '%s batch %r' % (case, names))
                self.assertEqual(sorted(expected), sorted(
                    tmpl['outputs']['refs_map']['value']), case)
                snippets = result
            # every update ends with the whole group new
            self.assertEqual(set(map(str, range(1, targ + 1))), updated,
                             case)


class TestUtils(base.TestCase):
    """4 rows: how many existing members are on the skip list."""

    def test_rows(self):
        for r in _rows('TestUtils', 4):
            self.assertEqual(r['count'],
                             rg.count_skipped(r['existing'], r['skipped']),
                             r['name'])


class CountSkippedRulesTest(base.TestCase):
    """Our own rows for count_skipped (no corpus): (existing member
    names, skip list) -> how many existing members are skipped."""

    CASES = {
        'no_skip_list': (('0 1 2', ''), 0),
        'one_skipped': (('0 1 2', '1'), 1),
        'skipped_names_not_existing': (('0 1', '5 7'), 0),
        'partial_overlap': (('0 1 2 3', '1 3 9'), 2),
        'all_skipped': (('0 1', '0 1'), 2),
        'no_members': (('', '0'), 0),
        'duplicate_skip_entries': (('1 2', '1 1'), 1),
    }

    def test_rows(self):
        for case, ((existing, skip), expected) in self.CASES.items():
            self.assertEqual(expected, rg.count_skipped(existing.split(),
                                                        skip.split()), case)


class MemberDefinitionTest(base.TestCase):

    def test_index_substituted_in_strings_and_list_items(self):
        res_def = {'type': 'ResourceWithListProp%index%',
                   'properties': {'Foo': 'Bar_%index%',
                                  'listprop': ['%index%_0', '%index%_1'],
                                  'nested': {'k%index%': 'v%index%'}}}
        snippet = rg.member_snippet(res_def, '3', '%index%')
        self.assertEqual('ResourceWithListProp%index%', snippet['type'])
        self.assertEqual({'Foo': 'Bar_3', 'listprop': ['3_0', '3_1'],
                          'nested': {'k%index%': 'v3'}},
                         snippet['properties'])

    def test_custom_index_var(self):
        res_def = {'type': 'T', 'properties': {'Foo': 'Bar__foo__'}}
        self.assertEqual({'Foo': 'Bar2'}, rg.member_snippet(
            res_def, '2', '__foo__')['properties'])

    def test_nested_template_outputs(self):
        tmpl = rg.assemble({'type': 'T'}, ['0', '1'], '%index%',
                           ['value', ('resource.1', 'x'), 'refs',
                            ('attributes', 'a')])
        self.assertEqual('2015-04-30', tmpl['heat_template_version'])
        outs = tmpl['outputs']
        self.assertEqual({'0': {'get_resource': '0'},
                          '1': {'get_resource': '1'}},
                         outs['refs_map']['value'])
        self.assertEqual([{'get_attr': ['0', 'value']},
                          {'get_attr': ['1', 'value']}],
                         outs['value']['value'])
        self.assertEqual({'get_attr': ['1', 'x']},
                         outs['resource.1, x']['value'])
        self.assertEqual({'0': {'get_attr': ['0', 'a']},
                          '1': {'get_attr': ['1', 'a']}},
                         outs['attributes, a']['value'])
        self.assertEqual(2, len(outs['refs']['value']))
