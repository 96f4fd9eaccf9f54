"""ResourceGroup's pinned upstream tables, one row per case.

Rows come from ``heat/tests/openstack/heat/test_resource_group.py`` at
the corpus commit (see ``/work/shared/corpus/INDEX.md``): naming with a
skip list, the skip-list update, member definitions, rolling batches and
the tasks of a replacement.
"""

from heat.engine.resources.openstack.heat import resource_group as rg
from heat.tests import base, corpus


def _rows(name, count):
    rows = corpus.expectations('test_resource_group.py__' + name)
    rows = rows['scenarios']
    assert len(rows) == count, (name, len(rows))
    return rows


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


class ResourceGroupNameListTest(base.TestCase):
    """4 rows: skipped names are left out; numbering continues upward."""

    def test_rows(self):
        for r in _rows('ResourceGroupNameListTest', 4):
            self.assertEqual(r['expected'],
                             rg.member_names(r['count'], set(r['skiplist'])),
                             r['name'])


class ResourceGroupSkiplistTest(base.TestCase):
    """10 rows: the skip list after removal_policies, and whether it is
    stored again. Member ``n``'s reference is ``id-n``; ``fallback`` rows
    resolve references by asking the members instead of the ``refs_map``
    output."""

    def _lookup(self, members, fallback):
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

    def test_rows(self):
        for r in _rows('ResourceGroupSkiplistTest', 10):
            current = rg.parse_skip_list(r['data_in'])
            new, changed = rg.updated_skip_list(
                current, r['rm_mode'], [{'resource_list': r['rm_list']}],
                set(r['nested_rsrcs']),
                self._lookup(r['nested_rsrcs'], r['fallback']))
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


class TestGetBatches(base.TestCase):
    """41 rows: batch sizes, and which members get the new definition in
    each batch (highest new indices first, then existing members from
    the highest index down), with '0' on the skip list."""

    OLD = {'type': 'OS::Heat::None', 'properties': {'v': 'old'}}
    NEW = {'type': 'OS::Heat::None', 'properties': {'v': 'new'}}

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


class TestUtils(base.TestCase):
    """4 rows: how many existing members are on the skip list."""

    def test_rows(self):
        for r in _rows('TestUtils', 4):
            self.assertEqual(r['count'],
                             rg.count_skipped(r['existing'], r['skipped']),
                             r['name'])


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
