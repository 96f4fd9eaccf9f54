"""ResourceDefinition: fields, dependencies, resolution."""

from heat.common import exception
from heat.engine import function, rsrc_defn, template
from heat.tests import base
from heat.tests.unit.templates.test_template import Stack


def stack_of(resources, version='2016-10-14', **sections):
    body = {'heat_template_version': version, 'resources': resources}
    body.update(sections)
    return Stack(template.Template.create(body))


def definitions(resources, **kwargs):
    stack = stack_of(resources, **kwargs)
    return stack, stack.t.resource_definitions(stack)


class FieldsTest(base.TestCase):

    def test_defaults(self):
        defn = rsrc_defn.ResourceDefinition('r', 'T')
        self.assertEqual(('r', 'T'), (defn.name, defn.resource_type))
        for field in ('properties', 'metadata', 'deletion_policy',
                      'update_policy', 'description', 'condition',
                      'external_id'):
            self.assertIsNone(getattr(defn, field), field)
        self.assertEqual([], defn.depends_on)
        self.assertEqual('Delete', defn.effective_deletion_policy())
        self.assertEqual({}, defn.resolved_properties())
        self.assertEqual({}, defn.resolved_metadata())

    def test_invalid_deletion_policy(self):
        ex = self.assertRaises(ValueError, rsrc_defn.ResourceDefinition,
                               'r', 'T', deletion_policy='Keep')
        self.assertEqual('Invalid deletion policy "Keep"', str(ex))

    def test_external_id_forces_retain(self):
        defn = rsrc_defn.ResourceDefinition('r', 'T', external_id='x',
                                            deletion_policy='Delete')
        self.assertEqual('Retain', defn.deletion_policy)

    def test_paths_use_the_template_spelling(self):
        _, defns = definitions({'r': {'type': 'T'}})
        self.assertEqual(['resources', 'r', 'properties'],
                         defns['r'].path('properties'))
        cfn = template.Template.create({
            'HeatTemplateFormatVersion': '2012-12-12',
            'Resources': {'r': {'Type': 'T'}}})
        defn = cfn.resource_definitions(Stack(cfn))['r']
        self.assertEqual(['Resources', 'r', 'UpdatePolicy'],
                         defn.path('update_policy'))

    def test_render_hot_gives_back_the_template_form(self):
        raw = {'type': 'T', 'properties': {'a': {'get_resource': 's'}},
               'depends_on': ['s'], 'deletion_policy': 'Retain'}
        _, defns = definitions({'r': raw, 's': {'type': 'T'}})
        self.assertEqual(raw, defns['r'].render_hot())

    def test_equal_when_built_from_the_same_snippet(self):
        _, one = definitions({'r': {'type': 'T', 'properties': {'a': 1}}})
        _, two = definitions({'r': {'type': 'T', 'properties': {'a': 1}}})
        _, other = definitions({'r': {'type': 'T',
                                      'properties': {'a': 2}}})
        self.assertEqual(one['r'], two['r'])
        self.assertNotEqual(one['r'], other['r'])


class DependenciesTest(base.TestCase):

    CASES = [
        # name, resources, resource asked about, expected names
        ('none', {'a': {'type': 'T'}}, 'a', []),
        ('depends_on_string', {'a': {'type': 'T'},
                               'b': {'type': 'T', 'depends_on': 'a'}},
         'b', ['a']),
        ('get_resource_in_properties',
         {'a': {'type': 'T'},
          'b': {'type': 'T', 'properties': {'x': {'get_resource': 'a'}}}},
         'b', ['a']),
        ('get_attr_in_metadata',
         {'a': {'type': 'T'},
          'b': {'type': 'T', 'metadata': {'x': {'get_attr': ['a', 'y']}}}},
         'b', ['a']),
        ('all_sources_no_duplicates',
         {'a': {'type': 'T'}, 'c': {'type': 'T'},
          'b': {'type': 'T', 'depends_on': ['c', 'a'],
                'properties': {'x': {'get_resource': 'a'}}}},
         'b', ['c', 'a']),
    ]

    def test_dependencies(self):
        for name, resources, which, expected in self.CASES:
            stack, defns = definitions(resources)
            self.assertEqual(expected, defns[which].dependencies(stack),
                             name)

    def test_depends_on_a_missing_resource(self):
        stack, defns = definitions({'b': {'type': 'T',
                                          'depends_on': ['nope']}})
        ex = self.assertRaises(exception.InvalidTemplateReference,
                               defns['b'].dependencies, stack)
        self.assertEqual('The specified reference "nope" (in b) is '
                         'incorrect.', str(ex))

    def test_depends_on_a_resource_left_out_by_its_condition(self):
        stack, defns = definitions(
            {'a': {'type': 'T', 'condition': False},
             'b': {'type': 'T', 'depends_on': ['a']}})
        self.assertEqual(['b'], list(defns))
        self.assertEqual([], defns['b'].dependencies(stack))

    def test_external_resource_depends_on_nothing(self):
        stack, defns = definitions(
            {'a': {'type': 'T'},
             'b': {'type': 'T', 'external_id': 'ext-1',
                   'properties': {'x': {'get_resource': 'a'}}}})
        self.assertEqual([], defns['b'].dependencies(stack))

    def test_external_resource_with_depends_on(self):
        stack, defns = definitions(
            {'a': {'type': 'T'},
             'b': {'type': 'T', 'external_id': 'ext-1',
                   'depends_on': 'a'}})
        ex = self.assertRaises(exception.InvalidExternalResourceDependency,
                               defns['b'].dependencies, stack)
        self.assertEqual('Invalid dependency with external T resource: '
                         'ext-1', str(ex))

    def test_required_resource_names_without_a_stack(self):
        _, defns = definitions(
            {'a': {'type': 'T'},
             'b': {'type': 'T', 'depends_on': 'a',
                   'properties': {'x': {'get_resource': 'a'}}}})
        self.assertEqual(['a'], defns['b'].required_resource_names())

    def test_dep_attrs(self):
        _, defns = definitions(
            {'a': {'type': 'T'},
             'b': {'type': 'T',
                   'properties': {'x': {'get_attr': ['a', 'ip']}},
                   'metadata': {'y': {'get_attr': ['a', 'name']}}}})
        self.assertEqual(['ip', 'name'], list(defns['b'].dep_attrs('a')))


class ValidateTest(base.TestCase):

    def test_function_errors_carry_the_path(self):
        stack, defns = definitions({'r': {
            'type': 'T', 'properties': {'b': {'get_param': []}}}})
        ex = self.assertRaises(exception.StackValidationFailed,
                               defns['r'].validate)
        self.assertEqual(['resources', 'r', 'properties', 'b',
                          'get_param'], ex.path[:5])

    def test_undeclared_parameter_is_a_property_error_of_the_property(self):
        # upstream meets it resolving the top-level property's value
        stack, defns = definitions({'r': {
            'type': 'T', 'properties': {'a': {'x': {'get_param': 'nope'}}}}})
        ex = self.assertRaises(exception.StackValidationFailed,
                               defns['r'].validate)
        self.assertEqual('Property error', ex.error)
        self.assertEqual(['resources', 'r', 'properties', 'a'], ex.path)
        self.assertEqual('The Parameter (nope) was not provided.',
                         ex.error_message)

    def test_removed_function_in_properties(self):
        stack, defns = definitions({'r': {
            'type': 'T', 'properties': {'a': {'Fn::Base64': 'x'}}}},
            version='2015-04-30')
        self.assertIsInstance(defns['r'].properties['a'], function.Invalid)
        ex = self.assertRaises(exception.StackValidationFailed,
                               defns['r'].validate)
        self.assertIn('"Fn::Base64" is not supported in template version '
                      '2015-04-30', str(ex))
        self.assertEqual(['resources', 'r', 'properties', 'a',
                          'Fn::Base64'], ex.path)

    def test_resolved_properties_report_the_path(self):
        stack, defns = definitions({'r': {
            'type': 'T', 'properties': {'a': {'get_resource': 'nope'}}}})
        ex = self.assertRaises(exception.HeatException,
                               defns['r'].resolved_properties)
        self.assertIn('nope', str(ex))
