"""The resource type table: names, services and availability errors."""

from heat.common import exception
from heat.engine import resource_types
from heat.tests import base


class TestResourceTypeTable(base.TestCase):

    def test_engine_internal_types_need_no_service(self):
        for name in ('OS::Heat::None', 'OS::Heat::Value',
                     'OS::Heat::RandomString', 'OS::Heat::TestResource',
                     'OS::Heat::ResourceGroup', 'OS::Heat::ResourceChain',
                     'OS::Heat::AutoScalingGroup',
                     'OS::Heat::ScalingPolicy', 'OS::Heat::InstanceGroup',
                     'OS::Heat::SoftwareConfig', 'OS::Heat::CloudConfig',
                     'OS::Heat::MultipartMime', 'OS::Heat::WaitCondition',
                     'OS::Heat::WaitConditionHandle', 'OS::Heat::Stack',
                     'AWS::AutoScaling::AutoScalingGroup',
                     'AWS::AutoScaling::LaunchConfiguration',
                     'AWS::AutoScaling::ScalingPolicy'):
            self.assertTrue(resource_types.lookup(name).engine_internal,
                            name)

    def test_cloud_types_name_their_service(self):
        expected = {
            'OS::Nova::Server': 'nova',
            'AWS::EC2::Instance': 'nova',
            'OS::Neutron::Port': 'neutron',
            'OS::Neutron::LBaaS::Pool': 'neutron',
            'OS::Cinder::Volume': 'cinder',
            'OS::Aodh::GnocchiAggregationByResourcesAlarm': 'aodh',
            'OS::Octavia::LoadBalancer': 'octavia',
            'AWS::CloudFormation::WaitConditionHandle': 'keystone',
            'OS::Zaqar::Queue': 'zaqar',
            'OS::Mistral::Workflow': 'mistral',
        }
        for name, service in expected.items():
            self.assertEqual(service, resource_types.lookup(name).service)

    def test_unknown_and_non_string_names_are_not_found(self):
        self.assertIsNone(resource_types.lookup('idontexist'))
        self.assertIsNone(resource_types.lookup(['OS::Heat::None']))
        self.assertIsNone(resource_types.lookup('OS::Neutron::Bogus'))

    def test_engine_and_cloud_lists_partition_the_table(self):
        engine = set(resource_types.engine_types())
        cloud = set(resource_types.cloud_types())
        self.assertEqual(set(resource_types.TYPES), engine | cloud)
        self.assertEqual(set(), engine & cloud)


class TestCheckAvailable(base.TestCase):

    def test_engine_type_is_available_without_a_cloud(self):
        rtype = resource_types.check_available('OS::Heat::RandomString')
        self.assertEqual('OS::Heat::RandomString', rtype.name)

    def test_unknown_type_gives_upstreams_not_found_message(self):
        err = self.assertRaises(exception.ResourceTypeNotFound,
                                resource_types.check_available,
                                'idontexist')
        self.assertEqual('The Resource Type (idontexist) could not be found.',
                         str(err))

    def test_cloud_type_without_its_service_names_type_and_service(self):
        err = self.assertRaises(exception.ResourceTypeUnavailable,
                                resource_types.check_available,
                                'OS::Nova::Server')
        self.assertEqual(
            'HEAT-E99001 Service nova is not available for resource type '
            'OS::Nova::Server, reason: no cloud is configured (offline '
            'validation)', str(err))

    def test_cloud_type_with_its_service_is_available(self):
        rtype = resource_types.check_available('OS::Nova::Server',
                                               services=['nova'])
        self.assertEqual('nova', rtype.service)
