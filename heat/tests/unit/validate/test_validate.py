"""validate_template: upstream's POST /validate body, offline."""

import json

import yaml

from heat.common import exception
from heat.engine import validate
from heat.tests import base, pinned

PINNED_TEMPLATE = pinned.VALIDATE_TEMPLATE
EMPTY_ENV = pinned.EMPTY_ENVIRONMENT


def hot(resources=None, version='2015-10-15', **sections):
    tmpl = {'heat_template_version': version,
            'resources': resources or {}}
    tmpl.update(sections)
    return tmpl


def provider(parameters=None, outputs=None, resources=None):
    return yaml.safe_dump(hot(
        resources or {'r': {'type': 'OS::Heat::None'}},
        parameters=parameters or {}, outputs=outputs or {}))


class ValidateTestCase(base.TestCase):

    def assertFails(self, text, *args, **kwargs):
        err = self.assertRaises(exception.StackValidationFailed,
                                validate.validate_template, *args, **kwargs)
        self.assertIn(text, str(err))
        return err


class TestResultShape(ValidateTestCase):

    def test_pinned_example_from_the_corpus(self):
        self.assertEqual(
            {'Description': 'No description',
             'Environment': EMPTY_ENV,
             'Parameters': {'the_count': {'Description': '',
                                          'Label': 'the_count',
                                          'NoEcho': 'false',
                                          'Type': 'Number'}}},
            validate.validate_template(PINNED_TEMPLATE))

    def test_parsed_mapping_is_accepted(self):
        result = validate.validate_template(yaml.safe_load(PINNED_TEMPLATE))
        self.assertIn('the_count', result['Parameters'])

    def test_description_is_reported(self):
        result = validate.validate_template(hot(description='My stack'))
        self.assertEqual('My stack', result['Description'])

    def test_cfn_template_result(self):
        result = validate.validate_template({
            'AWSTemplateFormatVersion': '2010-09-09',
            'Description': 'CFN',
            'Parameters': {'Size': {'Type': 'Number', 'Default': '1'}},
            'Resources': {'r': {'Type': 'OS::Heat::None'}}})
        self.assertEqual('CFN', result['Description'])
        self.assertEqual('Number', result['Parameters']['Size']['Type'])
        self.assertNotIn('AWS::Region', result['Parameters'])

    def test_parameter_groups_are_reported_when_present(self):
        groups = [{'label': 'g', 'parameters': ['a']}]
        result = validate.validate_template(hot(
            parameters={'a': {'type': 'string'}}, parameter_groups=groups))
        self.assertEqual(groups, result['ParameterGroups'])

    def test_no_parameter_groups_key_without_groups(self):
        self.assertNotIn('ParameterGroups',
                         validate.validate_template(hot()))

    def test_parameter_group_naming_an_unknown_parameter_fails(self):
        self.assertFails(
            'The grouped parameter b does not reference a valid parameter.',
            hot(parameters={'a': {'type': 'string'}},
                parameter_groups=[{'parameters': ['b']}]))

    def test_parameter_in_two_groups_fails(self):
        self.assertFails(
            'The a parameter must be assigned to one parameter group only.',
            hot(parameters={'a': {'type': 'string'}},
                parameter_groups=[{'parameters': ['a']},
                                  {'parameters': ['a']}]))


class TestParameters(ValidateTestCase):

    def test_user_parameters_are_shown_in_environment(self):
        result = validate.validate_template(
            hot(parameters={'a': {'type': 'string'}}), params={'a': 'x'})
        self.assertEqual({'a': 'x'}, result['Environment']['parameters'])
        self.assertEqual('x', result['Parameters']['a']['Value'])

    def test_hidden_parameter_value_is_masked_everywhere(self):
        result = validate.validate_template(
            hot(parameters={'pw': {'type': 'string', 'hidden': True,
                                   'default': 'secret'}}),
            params={'pw': 'topsecret'})
        entry = result['Parameters']['pw']
        self.assertEqual('true', entry['NoEcho'])
        self.assertEqual('******', entry['Value'])
        # The default is template text, shown as upstream shows it.
        self.assertEqual('secret', entry['Default'])
        self.assertEqual('******', result['Environment']['parameters']['pw'])
        self.assertNotIn('topsecret', json.dumps(result))

    def test_missing_value_is_not_an_error(self):
        validate.validate_template(hot(parameters={'a': {'type': 'number'}}))

    def test_unknown_user_parameter_fails(self):
        self.assertFails('The Parameter (b) was not defined in template.',
                         hot(parameters={'a': {'type': 'string'}}),
                         params={'b': '1'})

    def test_user_value_breaking_its_type_fails(self):
        self.assertFails("Parameter 'n' is invalid",
                         hot(parameters={'n': {'type': 'number'}}),
                         params={'n': 'BAD'})

    def test_cloud_constraint_is_noted_not_failed(self):
        report = validate.check_template(
            hot(parameters={'image': {
                'type': 'string',
                'constraints': [{'custom_constraint': 'glance.image'}]}}),
            params={'image': 'cirros'})
        self.assertEqual(['parameters.image: glance.image not verified '
                          '(needs the glance service)'], report.notes)

    def test_parameter_defaults_reach_the_environment(self):
        result = validate.validate_template(
            hot(parameters={'a': {'type': 'string'}}),
            environment={'parameter_defaults': {'a': 'd'}})
        self.assertEqual({'a': 'd'},
                         result['Environment']['parameter_defaults'])
        self.assertEqual('d', result['Parameters']['a']['Default'])

    def test_environment_files_are_merged_in_order(self):
        files = {'e1': yaml.safe_dump({'parameters': {'a': '1'}}),
                 'e2': yaml.safe_dump({'parameters': {'a': '2'}})}
        result = validate.validate_template(
            hot(parameters={'a': {'type': 'string'}}), files=files,
            environment_files=['e1', 'e2'])
        self.assertEqual({'a': '2'}, result['Environment']['parameters'])

    def test_user_params_win_over_environment(self):
        result = validate.validate_template(
            hot(parameters={'a': {'type': 'string'}}),
            environment={'parameters': {'a': 'env'}}, params={'a': 'cli'})
        self.assertEqual({'a': 'cli'}, result['Environment']['parameters'])

    def test_unknown_environment_section_fails(self):
        self.assertFails('wrong_section', hot(),
                         environment={'wrong_section': {}})


class TestTemplateErrors(ValidateTestCase):

    def test_no_template(self):
        self.assertFails('No Template provided.', None)

    def test_bad_yaml(self):
        self.assertFails('', 'heat_template_version: [\n')

    def test_missing_version(self):
        self.assertFails('', {'resources': {}})

    def test_unknown_section_is_named(self):
        self.assertFails('resourcez', hot(resourcez={}))

    def test_get_resource_of_a_missing_resource(self):
        err = self.assertFails('nowhere', hot({
            'a': {'type': 'OS::Heat::None',
                  'properties': {'x': {'get_resource': 'nowhere'}}}}))
        self.assertIn('resources.a.properties', str(err))

    def test_depends_on_a_missing_resource(self):
        self.assertFails('nowhere', hot({
            'a': {'type': 'OS::Heat::None', 'depends_on': ['nowhere']}}))

    def test_circular_dependency_names_the_cycle(self):
        self.assertFails('Circular Dependency Found', hot({
            'a': {'type': 'OS::Heat::None', 'depends_on': ['b']},
            'b': {'type': 'OS::Heat::None',
                  'properties': {'x': {'get_resource': 'a'}}}}))

    def test_function_missing_from_the_version(self):
        self.assertFails('str_split', hot({
            'a': {'type': 'OS::Heat::None',
                  'properties': {'x': {'str_split': [',', 'a,b']}}}},
            version='2015-04-30'))

    def test_error_in_outputs_has_its_path(self):
        self.assertFails('outputs.o', hot(
            {'a': {'type': 'OS::Heat::None'}},
            outputs={'o': {'value': {'get_attr': ['nowhere', 'x']}}}))

    def test_get_file_missing_from_files(self):
        self.assertFails(
            'resources.a.properties.x.get_file: No content found in the '
            '"files" section for get_file path: script.sh',
            hot({'a': {'type': 'OS::Heat::None',
                       'properties': {'x': {'get_file': 'script.sh'}}}}))

    def test_get_file_in_files_validates(self):
        validate.validate_template(
            hot({'a': {'type': 'OS::Heat::None',
                       'properties': {'x': {'get_file': 'script.sh'}}}}),
            files={'script.sh': 'echo hi'})

    def test_too_many_resources(self):
        self.assertFails('maximum resources per stack', hot(
            {'r%d' % i: {'type': 'OS::Heat::None'} for i in range(1001)}))

    def test_parameter_and_resource_with_the_same_name(self):
        self.assertFails('Duplicate names', hot(
            {'a': {'type': 'OS::Heat::None'}},
            parameters={'a': {'type': 'string'}}))


class TestConditions(ValidateTestCase):

    def test_resource_with_false_condition_is_left_out(self):
        validate.validate_template(hot(
            {'a': {'type': 'OS::Nova::Server', 'condition': 'never'}},
            version='2016-10-14', conditions={'never': False}))

    def test_unknown_condition_fails(self):
        self.assertFails('nope', hot(
            {'a': {'type': 'OS::Heat::None', 'condition': 'nope'}},
            version='2016-10-14'))


    def test_if_naming_an_undefined_condition_fails(self):
        self.assertFails('outputs.o.value.if: Invalid condition "nope"',
                         hot(version='2016-10-14',
                             outputs={'o': {'value': {'if': ['nope', 1,
                                                             2]}}}))

    def test_cfn_if_naming_an_undefined_condition_fails(self):
        self.assertFails(
            'Outputs.o.Value.Fn::If: Invalid condition "nope"',
            {'AWSTemplateFormatVersion': '2010-09-09', 'Resources': {},
             'Outputs': {'o': {'Value': {'Fn::If': ['nope', 1, 2]}}}})

    def test_if_on_a_condition_without_parameter_value_validates(self):
        validate.validate_template(hot(
            version='2016-10-14',
            parameters={'p': {'type': 'string'}},
            conditions={'c': {'equals': [{'get_param': 'p'}, 'x']}},
            outputs={'o': {'value': {'if': ['c', 1, 2]}}}))


class TestResourceTypes(ValidateTestCase):

    def test_unknown_type_gives_upstreams_message_with_path(self):
        err = self.assertFails(
            'The Resource Type (idontexist) could not be found.',
            hot({'web': {'type': 'idontexist'}}))
        self.assertEqual(['resources', 'web'], err.path)

    def test_cloud_type_names_service_and_type(self):
        self.assertFails(
            'resources.vm: HEAT-E99001 Service nova is not available for '
            'resource type OS::Nova::Server, reason: no cloud is configured',
            hot({'vm': {'type': 'OS::Nova::Server'}}))

    def test_wait_condition_handle_needs_keystone(self):
        self.assertFails(
            'Service keystone is not available for resource type '
            'AWS::CloudFormation::WaitConditionHandle',
            {'AWSTemplateFormatVersion': '2010-09-09',
             'Resources': {'h': {
                 'Type': 'AWS::CloudFormation::WaitConditionHandle'}}})

    def test_alias_to_an_engine_type_validates(self):
        validate.validate_template(
            hot({'a': {'type': 'My::Random'}}),
            environment={'resource_registry': {
                'My::Random': 'OS::Heat::RandomString'}})

    def test_alias_to_a_cloud_type_names_the_service(self):
        self.assertFails(
            'Service neutron is not available',
            hot({'a': {'type': 'My::Net'}}),
            environment={'resource_registry': {'My::Net': 'OS::Neutron::Net'}})

    def test_registry_can_replace_a_cloud_type(self):
        validate.validate_template(
            hot({'a': {'type': 'OS::Nova::Server'}}),
            environment={'resource_registry': {
                'OS::Nova::Server': 'OS::Heat::None'}})

    def test_invalid_hook_fails(self):
        self.assertFails(
            'Invalid hook type', hot({'a': {'type': 'OS::Heat::None'}}),
            environment={'resource_registry': {
                'resources': {'a': {'hooks': 'pre-nothing'}}}})


class TestEngineTypeProperties(ValidateTestCase):

    def test_literal_of_the_wrong_type_fails(self):
        err = self.assertFails(
            "resources.r.properties.length: Value 'BAD' is not an integer",
            hot({'r': {'type': 'OS::Heat::RandomString',
                       'properties': {'length': 'BAD'}}}))
        self.assertEqual('Property error', err.error)

    def test_value_out_of_range_fails(self):
        self.assertFails('resources.r.properties.length',
                         hot({'r': {'type': 'OS::Heat::RandomString',
                                    'properties': {'length': 0}}}))

    def test_unknown_property_of_a_closed_schema_fails(self):
        self.assertFails('resources.r.properties: Unknown Property lenght',
                         hot({'r': {'type': 'OS::Heat::RandomString',
                                    'properties': {'lenght': 8}}}))

    def test_required_property_missing_fails(self):
        self.assertFails(
            'resources.p.properties: Property auto_scaling_group_id not '
            'assigned',
            hot({'p': {'type': 'OS::Heat::ScalingPolicy',
                       'properties': {'adjustment_type': 'exact_capacity',
                                      'scaling_adjustment': 1}}}))

    def test_not_allowed_value_fails(self):
        self.assertFails(
            'resources.p.properties.adjustment_type',
            hot({'a': {'type': 'OS::Heat::None'},
                 'p': {'type': 'OS::Heat::ScalingPolicy',
                       'properties': {'adjustment_type': 'double',
                                      'auto_scaling_group_id': 'x',
                                      'scaling_adjustment': 1}}}))

    def test_numeric_strings_are_accepted_for_cfn_sizes(self):
        validate.validate_template({
            'AWSTemplateFormatVersion': '2010-09-09',
            'Resources': {'p': {
                'Type': 'AWS::AutoScaling::ScalingPolicy',
                'Properties': {'AdjustmentType': 'ChangeInCapacity',
                               'AutoScalingGroupName': 'g',
                               'ScalingAdjustment': '1',
                               'Cooldown': '60'}}}})

    def test_values_from_functions_are_not_judged_offline(self):
        validate.validate_template(hot(
            {'r': {'type': 'OS::Heat::RandomString',
                   'properties': {'length': {'get_param': 'n'}}}},
            parameters={'n': {'type': 'string'}}))

    def test_none_accepts_any_property(self):
        validate.validate_template(hot(
            {'r': {'type': 'OS::Heat::None',
                   'properties': {'anything': [1, {'a': 2}]}}}))

    def test_unknown_attribute_of_an_engine_type_fails(self):
        self.assertFails(
            'outputs.o.value: The Referenced Attribute (r valu) is '
            'incorrect.',
            hot({'r': {'type': 'OS::Heat::RandomString'}},
                outputs={'o': {'value': {'get_attr': ['r', 'valu']}}}))

    def test_group_member_attributes_are_accepted(self):
        validate.validate_template(hot(
            {'g': {'type': 'OS::Heat::AutoScalingGroup',
                   'properties': {'min_size': 1, 'max_size': 2,
                                  'resource': {
                                      'type': 'OS::Heat::RandomString'}}}},
            outputs={'a': {'value': {'get_attr': ['g', 'resource.0.value']}},
                     'b': {'value': {'get_attr': ['g', 'current_size']}},
                     'c': {'value': {'get_attr': ['g', 'outputs_list',
                                                  'value']}}}))

    def test_group_member_properties_are_checked(self):
        self.assertFails(
            "resources.g.properties.resource_def.properties.length: Value "
            "'x' is not an integer",
            hot({'g': {'type': 'OS::Heat::ResourceGroup',
                       'properties': {'resource_def': {
                           'type': 'OS::Heat::RandomString',
                           'properties': {'length': 'x'}}}}}))


class TestProviderTemplates(ValidateTestCase):

    def test_provider_by_file_name_validates(self):
        validate.validate_template(
            hot({'a': {'type': 'member.yaml',
                       'properties': {'length': 3}}}),
            files={'member.yaml': provider({'length': {'type': 'number'}})})

    def test_provider_from_registry_validates(self):
        validate.validate_template(
            hot({'a': {'type': 'My::Member'}}),
            files={'m.yaml': provider()},
            environment={'resource_registry': {'My::Member': 'm.yaml'}})

    def test_property_the_provider_lacks_fails(self):
        self.assertFails(
            'resources.a.properties: Unknown Property colour',
            hot({'a': {'type': 'm.yaml', 'properties': {'colour': 1}}}),
            files={'m.yaml': provider()})

    def test_provider_parameter_without_default_must_be_given(self):
        self.assertFails(
            'resources.a.properties: Property size not assigned',
            hot({'a': {'type': 'm.yaml'}}),
            files={'m.yaml': provider({'size': {'type': 'number'}})})

    def test_parameter_defaults_satisfy_provider_parameters(self):
        validate.validate_template(
            hot({'a': {'type': 'm.yaml'}}),
            files={'m.yaml': provider({'size': {'type': 'number'}})},
            environment={'parameter_defaults': {'size': 2}})

    def test_provider_missing_from_files_fails(self):
        self.assertFails('Could not fetch remote template "m.yaml"',
                         hot({'a': {'type': 'm.yaml'}}))

    def test_error_inside_provider_has_a_nested_path(self):
        self.assertFails(
            'resources.a<m.yaml>.resources.r',
            hot({'a': {'type': 'm.yaml'}}),
            files={'m.yaml': provider(
                resources={'r': {'type': 'OS::Nova::Server'}})})

    def test_attribute_that_is_not_an_output_is_not_judged(self):
        # as upstream: get_attr of a provider-template resource is not
        # checked against that template's outputs
        validate.validate_template(
            hot({'a': {'type': 'm.yaml'}},
                outputs={'o': {'value': {'get_attr': ['a', 'nothing']}}}),
            files={'m.yaml': provider(outputs={'v': {'value': 1}})})

    def test_attribute_that_is_an_output_validates(self):
        validate.validate_template(
            hot({'a': {'type': 'm.yaml'}},
                outputs={'o': {'value': {'get_attr': ['a', 'v']}}}),
            files={'m.yaml': provider(outputs={'v': {'value': 1}})})

    def test_provider_using_itself_is_stopped(self):
        tmpl = hot({'a': {'type': 'self.yaml'}})
        self.assertFails('Recursion depth exceeds 5.', tmpl,
                         files={'self.yaml': yaml.safe_dump(tmpl)})

    def test_show_nested_reports_provider_parameters(self):
        result = validate.validate_template(
            hot({'a': {'type': 'm.yaml', 'properties': {'n': 1}}}),
            files={'m.yaml': provider({'n': {'type': 'number'}})},
            show_nested=True)
        nested = result['NestedParameters']['a']
        self.assertEqual('m.yaml', nested['Type'])
        self.assertIn('n', nested['Parameters'])


class TestGroupMembers(ValidateTestCase):

    def test_resource_group_of_unknown_type_fails(self):
        self.assertFails(
            'The Resource Type (idontexist) could not be found.',
            hot({'g': {'type': 'OS::Heat::ResourceGroup',
                       'properties': {'resource_def': {
                           'type': 'idontexist'}}}}))

    def test_autoscaling_group_of_cloud_type_names_the_service(self):
        self.assertFails(
            'Service nova is not available',
            hot({'g': {'type': 'OS::Heat::AutoScalingGroup',
                       'properties': {'min_size': 1, 'max_size': 2,
                                      'resource': {
                                          'type': 'OS::Nova::Server'}}}}))

    def test_resource_chain_member_types_are_checked(self):
        self.assertFails(
            'The Resource Type (nope) could not be found.',
            hot({'c': {'type': 'OS::Heat::ResourceChain',
                       'properties': {'resources': ['OS::Heat::None',
                                                    'nope']}}}))

    def test_zero_count_group_skips_the_member_template(self):
        bad = provider(resources={'r': {'type': 'OS::Nova::Server'}})
        group = hot({'g': {'type': 'OS::Heat::ResourceGroup',
                           'properties': {'count': 0, 'resource_def': {
                               'type': 'm.yaml'}}}})
        validate.validate_template(group, files={'m.yaml': bad})
        group['resources']['g']['properties']['count'] = 2
        self.assertFails('Service nova', group, files={'m.yaml': bad})

    def test_error_inside_member_template_has_upstreams_nested_path(self):
        bad = provider(resources={'random': {'type': 'nope'}})
        self.assertFails(
            'resources.g<nested_stack>.resources.0<m.yaml>.resources.random'
            ': The Resource Type (nope) could not be found.',
            hot({'g': {'type': 'OS::Heat::ResourceGroup',
                       'properties': {'count': 2, 'resource_def': {
                           'type': 'm.yaml'}}}}),
            files={'m.yaml': bad})

    def test_show_nested_shows_member_zero_even_for_an_empty_group(self):
        result = validate.validate_template(
            hot({'g': {'type': 'OS::Heat::ResourceGroup',
                       'properties': {'count': 0, 'resource_def': {
                           'type': 'My::Member'}}}}),
            files={'m.yaml': provider({'n': {'type': 'number',
                                             'default': 1}})},
            environment={'resource_registry': {'My::Member': 'm.yaml'}},
            show_nested=True)
        group = result['NestedParameters']['g']
        self.assertEqual('OS::Heat::ResourceGroup', group['Type'])
        member = group['NestedParameters']['0']
        self.assertEqual('My::Member', member['Type'])
        self.assertIn('n', member['Parameters'])

    def test_aws_group_members_get_launch_configuration_properties(self):
        tmpl = {
            'AWSTemplateFormatVersion': '2010-09-09',
            'Resources': {
                'lc': {'Type': 'AWS::AutoScaling::LaunchConfiguration',
                       'Properties': {'ImageId': 'img',
                                      'InstanceType': 'small'}},
                'g': {'Type': 'AWS::AutoScaling::AutoScalingGroup',
                      'Properties': {'MinSize': '1', 'MaxSize': '2',
                                     'AvailabilityZones': ['nova'],
                                     'LaunchConfigurationName': {
                                         'Ref': 'lc'}}}}}
        env = {'resource_registry': {'AWS::EC2::Instance': 'p.yaml'}}
        good = provider({'ImageId': {'type': 'string'},
                         'InstanceType': {'type': 'string'},
                         'Tags': {'type': 'comma_delimited_list',
                                  'default': ''}})
        report = validate.check_template(tmpl, files={'p.yaml': good},
                                         environment=env)
        self.assertIn('Resources.lc.Properties.ImageId: glance.image not '
                      'verified (needs the glance service)', report.notes)
        self.assertFails('Unknown Property InstanceType', tmpl,
                         files={'p.yaml': provider(
                             {'ImageId': {'type': 'string'}})},
                         environment=env)

    def test_aws_group_without_provider_needs_nova(self):
        self.assertFails(
            'Service nova is not available for resource type '
            'AWS::EC2::Instance',
            {'AWSTemplateFormatVersion': '2010-09-09',
             'Resources': {
                 'lc': {'Type': 'AWS::AutoScaling::LaunchConfiguration',
                        'Properties': {'ImageId': 'i',
                                       'InstanceType': 't'}},
                 'g': {'Type': 'AWS::AutoScaling::AutoScalingGroup',
                       'Properties': {'MinSize': '1', 'MaxSize': '2',
                                      'LaunchConfigurationName': {
                                          'Ref': 'lc'}}}}})


class TestOfflineStack(base.TestCase):

    def test_placeholder_resources(self):
        res = validate.OfflineResource('web')
        self.assertEqual('web', res.FnGetRefId())
        self.assertIsNone(res.FnGetAtt('first_address'))
        self.assertIsNone(res.FnGetAtt('addresses', 'net', 0))
        self.assertEqual({}, res.FnGetAtts())

    def test_stack_identity_and_zones(self):

        class FakeTemplate:
            t = {'heat_template_version': '2015-10-15',
                 'resources': {'web': {'type': 'OS::Heat::None'}}}
            template_type = 'hot'
            files = {'f': 'x'}

        stack = validate.OfflineStack(FakeTemplate())
        self.assertEqual('dummy', stack.name)
        self.assertIsNone(stack.id)
        self.assertIsNone(stack.parent_resource)
        self.assertEqual({'f': 'x'}, stack.files)
        self.assertEqual([], stack.availability_zones())
        self.assertTrue(stack.has_resource('web'))
        self.assertFalse(stack.has_resource('db'))
        self.assertEqual('web', stack.resource_by_name('web').FnGetRefId())
        self.assertIsNone(stack.resource_by_name('db'))


class TestExamples(base.TestCase):

    def test_examples_validate(self):
        import os
        here = os.path.dirname(os.path.abspath(__file__))
        root = os.path.normpath(os.path.join(here, '..', '..', '..', '..'))
        path = os.path.join(root, 'examples', 'autoscaling.yaml')
        with open(path) as f:
            result = validate.validate_template(f.read())
        self.assertIn('desired_capacity', result['Parameters'])
        self.assertEqual(2, len(result['ParameterGroups']))
