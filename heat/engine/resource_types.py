"""The known resource type names and the cloud service each one needs.

The template layer has no resource plugins: it only has to know whether a
type name exists and, if it does, whether it can work without a cloud.
Engine-internal types (``OS::Heat::RandomString``, the groups, the scaling
policies, software configs, ...) need nothing; the upstream cloud types
(``OS::Nova::Server``, ``OS::Neutron::Port``, ``AWS::EC2::Instance``, ...)
each need one OpenStack service, named here by its client name as upstream
Heat names it (``nova``, ``neutron``, ``keystone``, ...).

:func:`check_available` gives the two user-facing errors upstream gives:
``ResourceTypeNotFound`` for a name nobody knows, and
``ResourceTypeUnavailable`` (``HEAT-E99001 Service nova is not available
for resource type OS::Nova::Server, reason: ...``) for a cloud type when
the service is not there (always, for the offline validator).

The types of resource plug-ins (``plugin_dirs``, the
``heat.resource_plugins`` entry points: see
:mod:`heat.engine.resources`) are not in this catalogue; a name it does
not have (or has as a cloud type) that a plug-in registers is available,
as an engine type.
"""

import dataclasses
from typing import Iterable, Optional

from heat.common import exception

#: The reason given when a cloud type is validated with no cloud at all.
NO_CLOUD_REASON = 'no cloud is configured (offline validation)'


@dataclasses.dataclass(frozen=True)
class ResourceType:
    """One known resource type name."""

    name: str
    #: Client name of the OpenStack service the type needs; None when the
    #: engine implements it by itself.
    service: Optional[str] = None
    #: Why the type is special, if it is (deprecated, hidden, alias...).
    note: str = ''

    @property
    def engine_internal(self):
        return self.service is None


def _engine(*names, note=''):
    return [ResourceType(n, None, note) for n in names]


def _cloud(service, *names, note=''):
    return [ResourceType(n, service, note) for n in names]


_TYPES = (
    # Implemented by the engine itself: no OpenStack service needed.
    _engine(
        'OS::Heat::None', 'OS::Heat::Value', 'OS::Heat::RandomString',
        'OS::Heat::TestResource', 'OS::Heat::Delay',
        'OS::Heat::ResourceGroup', 'OS::Heat::ResourceChain',
        'OS::Heat::AutoScalingGroup', 'OS::Heat::ScalingPolicy',
        'OS::Heat::InstanceGroup',
        # this engine's own (not upstream's): metric and scheduled scaling
        'OS::Heat::TargetTrackingScalingPolicy',
        'OS::Heat::StepScalingPolicy', 'OS::Heat::ScheduledAction',
        'OS::Heat::SoftwareConfig', 'OS::Heat::CloudConfig',
        'OS::Heat::MultipartMime', 'OS::Heat::StructuredConfig',
        'OS::Heat::SoftwareComponent',
        'OS::Heat::SoftwareDeployment', 'OS::Heat::StructuredDeployment',
        'OS::Heat::SoftwareDeploymentGroup',
        'OS::Heat::StructuredDeploymentGroup',
        'OS::Heat::WaitCondition', 'OS::Heat::WaitConditionHandle',
        'OS::Heat::UpdateWaitConditionHandle',
        'OS::Heat::AccessPolicy',
        'AWS::AutoScaling::AutoScalingGroup',
        'AWS::AutoScaling::LaunchConfiguration',
        'AWS::AutoScaling::ScalingPolicy',
        'AWS::CloudFormation::Stack',
        'AWS::CloudFormation::WaitCondition',
    ) +
    _engine('OS::Heat::Stack',
            note='a nested stack; a remote one (context.region_name) '
                 'needs another Heat'),
    _engine('OS::Heat::SoftwareDeployments',
            'OS::Heat::StructuredDeployments',
            note='hidden upstream: use OS::Heat::SoftwareDeploymentGroup '
                 '(or StructuredDeploymentGroup)'),
    # Heat types that drive another service.
    _cloud('keystone', 'OS::Heat::DeployedServer',
           'AWS::CloudFormation::WaitConditionHandle',
           'AWS::IAM::User', 'AWS::IAM::AccessKey'),
    _cloud('swift', 'OS::Heat::SwiftSignal', 'OS::Heat::SwiftSignalHandle',
           'OS::Swift::Container', 'AWS::S3::Bucket'),
    _cloud('nova', 'OS::Heat::HARestarter',
           note='deprecated and unsupported upstream'),
    _cloud('aodh', 'OS::Heat::CWLiteAlarm',
           note='removed upstream'),
    # Nova.
    _cloud('nova', 'OS::Nova::Server', 'OS::Nova::KeyPair',
           'OS::Nova::Flavor', 'OS::Nova::FloatingIP',
           'OS::Nova::FloatingIPAssociation', 'OS::Nova::ServerGroup',
           'OS::Nova::HostAggregate', 'OS::Nova::Quota',
           'AWS::EC2::Instance', 'AWS::ElasticLoadBalancing::LoadBalancer',
           'AWS::RDS::DBInstance'),
    # Neutron.
    _cloud('neutron', *['OS::Neutron::' + n for n in (
        'Net', 'Subnet', 'Port', 'Router', 'RouterInterface',
        'RouterGateway', 'FloatingIP', 'FloatingIPAssociation',
        'FloatingIPPortForward', 'SecurityGroup', 'SecurityGroupRule',
        'ProviderNet', 'NetworkGateway', 'AddressScope', 'SubnetPool',
        'Segment', 'Trunk', 'RBACPolicy', 'Quota', 'ExtraRoute',
        'ExtraRouteSet', 'QoSPolicy', 'QoSBandwidthLimitRule',
        'QoSDscpMarkingRule', 'QoSMinimumBandwidthRule',
        'QoSMinimumPacketRateRule', 'Firewall', 'FirewallPolicy',
        'FirewallRule', 'VPNService', 'IKEPolicy', 'IPsecPolicy',
        'IPsecSiteConnection', 'MeteringLabel', 'MeteringRule',
        'L2Gateway', 'L2GatewayConnection', 'PortPair',
        'PortPairGroup', 'FlowClassifier', 'PortChain',
        'TaaS::TapService', 'TaaS::TapFlow',
        'SFC::PortPair', 'SFC::PortPairGroup', 'SFC::FlowClassifier',
        'SFC::PortChain')]),
    _cloud('neutron', *['OS::Neutron::' + n for n in (
        'Pool', 'PoolMember', 'HealthMonitor', 'LoadBalancer')],
        note='Neutron LBaaS v1, removed upstream'),
    _cloud('neutron', *['OS::Neutron::LBaaS::' + n for n in (
        'LoadBalancer', 'Listener', 'Pool', 'PoolMember', 'HealthMonitor',
        'L7Policy', 'L7Rule')],
        note='Neutron LBaaS v2, removed upstream'),
    _cloud('neutron', *['AWS::EC2::' + n for n in (
        'EIP', 'EIPAssociation', 'InternetGateway', 'NetworkInterface',
        'RouteTable', 'SecurityGroup', 'Subnet',
        'SubnetRouteTableAssociation', 'VPC', 'VPCGatewayAttachment')]),
    # Cinder.
    _cloud('cinder', 'OS::Cinder::Volume', 'OS::Cinder::VolumeAttachment',
           'OS::Cinder::VolumeType', 'OS::Cinder::EncryptedVolumeType',
           'OS::Cinder::QoSSpecs', 'OS::Cinder::QoSAssociation',
           'OS::Cinder::Quota', 'AWS::EC2::Volume',
           'AWS::EC2::VolumeAttachment'),
    # Glance.
    _cloud('glance', 'OS::Glance::Image', 'OS::Glance::WebImage'),
    # Aodh (alarms).
    _cloud('aodh', *['OS::Aodh::' + n for n in (
        'Alarm', 'CombinationAlarm', 'CompositeAlarm', 'EventAlarm',
        'GnocchiResourcesAlarm', 'GnocchiAggregationByMetricsAlarm',
        'GnocchiAggregationByResourcesAlarm', 'LBMemberHealthAlarm',
        'PrometheusAlarm')]),
    _cloud('aodh', 'OS::Ceilometer::Alarm', 'OS::Metering::Alarm',
           'OS::Ceilometer::GnocchiResourcesAlarm',
           'OS::Ceilometer::GnocchiAggregationByMetricsAlarm',
           'OS::Ceilometer::GnocchiAggregationByResourcesAlarm',
           'OS::Ceilometer::CombinationAlarm',
           note='old name of an OS::Aodh alarm'),
    _cloud('aodh', 'AWS::CloudWatch::Alarm',
           note="upstream maps it to OS::Aodh::Alarm through "
                "etc/heat/templates/AWS_CloudWatch_Alarm.yaml"),
    # Octavia.
    _cloud('octavia', *['OS::Octavia::' + n for n in (
        'LoadBalancer', 'Listener', 'Pool', 'PoolMember', 'HealthMonitor',
        'L7Policy', 'L7Rule', 'Flavor', 'FlavorProfile', 'Quota')]),
    # Keystone.
    _cloud('keystone', *['OS::Keystone::' + n for n in (
        'Project', 'User', 'Group', 'Role', 'Domain', 'Endpoint', 'Service',
        'Region', 'UserRoleAssignment', 'GroupRoleAssignment')]),
    # Other services.
    _cloud('zaqar', 'OS::Zaqar::Queue', 'OS::Zaqar::SignedQueueURL',
           'OS::Zaqar::Subscription', 'OS::Zaqar::MistralTrigger'),
    _cloud('mistral', 'OS::Mistral::Workflow', 'OS::Mistral::CronTrigger',
           'OS::Mistral::ExternalResource'),
    _cloud('monasca', 'OS::Monasca::AlarmDefinition',
           'OS::Monasca::Notification'),
    _cloud('senlin', *['OS::Senlin::' + n for n in (
        'Cluster', 'Node', 'Policy', 'Profile', 'Receiver')]),
    _cloud('designate', *['OS::Designate::' + n for n in (
        'Domain', 'Record', 'RecordSet', 'Zone')]),
    _cloud('barbican', *['OS::Barbican::' + n for n in (
        'Secret', 'Order', 'GenericContainer', 'CertificateContainer',
        'RSAContainer')]),
    _cloud('manila', *['OS::Manila::' + n for n in (
        'Share', 'ShareNetwork', 'ShareType', 'SecurityService')]),
    _cloud('magnum', *['OS::Magnum::' + n for n in (
        'Cluster', 'ClusterTemplate', 'Bay', 'BayModel')]),
    _cloud('sahara', *['OS::Sahara::' + n for n in (
        'Cluster', 'ClusterTemplate', 'NodeGroupTemplate', 'DataSource',
        'JobBinary', 'Job', 'ImageRegistry')]),
    _cloud('trove', 'OS::Trove::Instance', 'OS::Trove::Cluster'),
    _cloud('blazar', 'OS::Blazar::Lease', 'OS::Blazar::Host'),
    _cloud('zun', 'OS::Zun::Container'),
    _cloud('ironic', 'OS::Ironic::Port'),
    _cloud('vitrage', 'OS::Vitrage::Template'),
)

#: name -> :class:`ResourceType`
TYPES = {t.name: t for group in _TYPES for t in group}

#: upstream's HIDDEN types: templates may use them, but the type list
#: leaves them out and their schema is not shown (upstream answers
#: ``NotSupported`` naming the type)
HIDDEN = frozenset(('OS::Heat::SoftwareDeployments',
                    'OS::Heat::StructuredDeployments'))


def lookup(type_name):
    """The :class:`ResourceType` called ``type_name``, or None."""
    if not isinstance(type_name, str):
        return None
    return TYPES.get(type_name)


def engine_types():
    """Names of the types the engine implements itself, sorted."""
    return sorted(n for n, t in TYPES.items() if t.engine_internal)


def cloud_types():
    """``{name: service}`` of the types that need a cloud service."""
    return {n: t.service for n, t in TYPES.items() if not t.engine_internal}


def plugin_type(type_name):
    """The :class:`ResourceType` of a type a resource plug-in registers
    (it needs no service the engine knows of), or None."""
    if not isinstance(type_name, str):
        return None
    # the registry imports this module: imported here, when needed
    from heat.engine import resources
    if type_name in resources.plugin_types():
        return ResourceType(type_name, None, 'resource plug-in')
    return None


def check_available(type_name, services: Iterable[str] = (),
                    reason=NO_CLOUD_REASON):
    """Return the :class:`ResourceType` or raise a user-facing error.

    ``services`` are the cloud services that can be reached (none, for the
    offline validator). An unknown name raises ``ResourceTypeNotFound``; a
    cloud type whose service is missing raises ``ResourceTypeUnavailable``
    naming the service and the type.
    """
    rtype = lookup(type_name)
    if rtype is not None and (rtype.service is None or
                              rtype.service in set(services)):
        return rtype
    # unknown here, or its service is missing: a plug-in may provide it
    plugin = plugin_type(type_name)
    if plugin is not None:
        return plugin
    if rtype is None:
        raise exception.ResourceTypeNotFound(type_name=type_name)
    raise exception.ResourceTypeUnavailable(
        service_name=rtype.service, resource_type=rtype.name, reason=reason)


#: Properties of engine-internal types that carry a cloud custom
#: constraint upstream: ``{type: {property: constraint}}``. The offline
#: validator cannot check them and lists them as not verified.
CLOUD_PROPERTY_CONSTRAINTS = {
    'AWS::AutoScaling::LaunchConfiguration': {
        'ImageId': 'glance.image',
        'InstanceType': 'nova.flavor',
        'KeyName': 'nova.keypair',
    },
}


def cloud_property_constraints(type_name):
    """``{property: constraint}`` a cloud would check for ``type_name``."""
    return dict(CLOUD_PROPERTY_CONSTRAINTS.get(type_name, {}))


@dataclasses.dataclass(frozen=True)
class Prop:
    """What the template layer knows of one property of an engine type.

    ``kind`` is ``string``, ``integer``, ``number``, ``boolean``, ``list``,
    ``map`` or ``any``; ``allowed`` and ``value_range`` (min, max; None for
    no limit) are checked on values known offline.
    """

    kind: str = 'any'
    required: bool = False
    allowed: tuple = ()
    value_range: Optional[tuple] = None


@dataclasses.dataclass(frozen=True)
class PropertiesSchema:
    """The properties of an engine type; ``closed``: no others exist."""

    props: dict
    closed: bool = True


_RANDOM_CLASSES = ('lettersdigits', 'letters', 'lowercase', 'uppercase',
                   'digits', 'hexdigits', 'octdigits')

#: Properties of the engine-internal types, as upstream declares them
#: (``properties_schema``). A schema that is not ``closed`` lists only
#: the properties checked; others are let through.
PROPERTY_SCHEMAS = {
    'OS::Heat::RandomString': PropertiesSchema({
        'length': Prop('integer', value_range=(1, 512)),
        'sequence': Prop('string', allowed=_RANDOM_CLASSES),
        'character_classes': Prop('list'),
        'character_sequences': Prop('list'),
        'salt': Prop('string'),
    }),
    'OS::Heat::Value': PropertiesSchema({
        'value': Prop('any', required=True),
        'type': Prop('string', allowed=('string', 'number',
                                        'comma_delimited_list', 'json',
                                        'boolean')),
    }),
    'OS::Heat::TestResource': PropertiesSchema({
        'value': Prop('string'),
        'update_replace': Prop('boolean'),
        'update_replace_value': Prop('string'),
        'fail': Prop('boolean'),
        'wait_secs': Prop('number'),
        'action_wait_secs': Prop('map'),
        'attr_wait_secs': Prop('number'),
        'constraint_prop_secs': Prop('number'),
        'client_name': Prop('string'),
        'entity_name': Prop('string'),
    }),
    'OS::Heat::ResourceGroup': PropertiesSchema({
        'count': Prop('integer', value_range=(0, None)),
        'index_var': Prop('string'),
        'resource_def': Prop('map', required=True),
        'removal_policies': Prop('list'),
        'removal_policies_mode': Prop('string',
                                      allowed=('append', 'update')),
    }),
    'OS::Heat::ResourceChain': PropertiesSchema({
        'resources': Prop('list', required=True),
        'concurrent': Prop('boolean'),
        'resource_properties': Prop('map'),
    }),
    'OS::Heat::AutoScalingGroup': PropertiesSchema({
        'resource': Prop('map', required=True),
        'max_size': Prop('integer', required=True, value_range=(0, None)),
        'min_size': Prop('integer', required=True, value_range=(0, None)),
        'desired_capacity': Prop('integer'),
        'cooldown': Prop('integer'),
        'rolling_updates': Prop('map'),
        # extensions of ours (heat.scaling.health, heat.scaling.lifecycle)
        'health_check': Prop('map'),
        'lifecycle_hooks': Prop('list'),
    }),
    'OS::Heat::ScalingPolicy': PropertiesSchema({
        'adjustment_type': Prop('string', required=True, allowed=(
            'change_in_capacity', 'exact_capacity',
            'percent_change_in_capacity')),
        'auto_scaling_group_id': Prop('string', required=True),
        'scaling_adjustment': Prop('number', required=True),
        'cooldown': Prop('number'),
        'min_adjustment_step': Prop('integer'),
    }, closed=False),
    # this engine's own types (heat.engine.resources.openstack.
    # autoscaling.metric_policy, .scheduled_action): the maps and lists
    # are checked with the stack
    'OS::Heat::TargetTrackingScalingPolicy': PropertiesSchema({
        'auto_scaling_group_id': Prop('string', required=True),
        'metric': Prop('map', required=True),
        'target': Prop('number', required=True),
        'tolerance': Prop('number', value_range=(0, 1)),
        'scale_up': Prop('map'),
        'scale_down': Prop('map'),
        'mode': Prop('string', allowed=('live', 'shadow')),
        'evaluation_interval': Prop('integer', value_range=(1, 3600)),
    }),
    'OS::Heat::StepScalingPolicy': PropertiesSchema({
        'auto_scaling_group_id': Prop('string', required=True),
        'metric': Prop('map', required=True),
        'threshold': Prop('number', required=True),
        'bands': Prop('list', required=True),
        'adjustment_type': Prop('string', allowed=(
            'change_in_capacity', 'exact_capacity',
            'percent_change_in_capacity')),
        'min_adjustment_magnitude': Prop('integer', value_range=(0, None)),
        'warmup': Prop('number', value_range=(0, 86400)),
        'mode': Prop('string', allowed=('live', 'shadow')),
        'evaluation_interval': Prop('integer', value_range=(1, 3600)),
    }),
    'OS::Heat::ScheduledAction': PropertiesSchema({
        'auto_scaling_group_id': Prop('string', required=True),
        'recurrence': Prop('string'),
        'at': Prop('string'),
        'time_zone': Prop('string'),
        'min_size': Prop('integer', value_range=(0, None)),
        'max_size': Prop('integer', value_range=(0, None)),
        'desired_capacity': Prop('integer', value_range=(0, None)),
    }),
    'AWS::AutoScaling::AutoScalingGroup': PropertiesSchema({
        'MaxSize': Prop('integer', required=True),
        'MinSize': Prop('integer', required=True),
        'DesiredCapacity': Prop('integer'),
        'Cooldown': Prop('integer'),
        'AvailabilityZones': Prop('list'),
        'LoadBalancerNames': Prop('list'),
        'Tags': Prop('list'),
    }, closed=False),
    'OS::Heat::InstanceGroup': PropertiesSchema({
        'Size': Prop('integer', required=True),
        'AvailabilityZones': Prop('list'),
        'LoadBalancerNames': Prop('list'),
        'Tags': Prop('list'),
    }, closed=False),
    'AWS::AutoScaling::ScalingPolicy': PropertiesSchema({
        'AdjustmentType': Prop('string', required=True, allowed=(
            'ChangeInCapacity', 'ExactCapacity',
            'PercentChangeInCapacity')),
        'AutoScalingGroupName': Prop('string', required=True),
        'ScalingAdjustment': Prop('number', required=True),
        'Cooldown': Prop('number'),
        'MinAdjustmentStep': Prop('integer'),
    }, closed=False),
}


def properties_schema(type_name):
    """The :class:`PropertiesSchema` of an engine type, or None."""
    return PROPERTY_SCHEMAS.get(type_name)


#: Every resource has these attributes.
BASE_ATTRIBUTES = ('show',)

#: Attributes of engine types whose set is fixed: ``{type: (names,
#: prefixes)}``; a name starting with one of the prefixes is valid too
#: (``resource.0.value`` of a group).
ATTRIBUTE_SCHEMAS = {
    'OS::Heat::RandomString': (('value',), ()),
    'OS::Heat::Value': (('value',), ()),
    'OS::Heat::TestResource': (('output',), ()),
    'OS::Heat::AutoScalingGroup': (
        ('outputs', 'outputs_list', 'current_size', 'refs', 'refs_map',
         'health'),
        ('resource.',)),
    'OS::Heat::ScalingPolicy': (('alarm_url', 'signal_url'), ()),
    'OS::Heat::TargetTrackingScalingPolicy': (
        ('policy_id', 'metric_url'), ()),
    'OS::Heat::StepScalingPolicy': (('policy_id', 'metric_url'), ()),
    'OS::Heat::ScheduledAction': (('policy_id', 'next_run_at'), ()),
    'AWS::AutoScaling::AutoScalingGroup': (('InstanceList',), ()),
    'OS::Heat::InstanceGroup': (('InstanceList',), ()),
    'AWS::AutoScaling::ScalingPolicy': (('AlarmUrl',), ()),
    'AWS::AutoScaling::LaunchConfiguration': ((), ()),
}


def attribute_schema(type_name):
    """``(names, prefixes)`` of an engine type's attributes, or None when
    any name may be valid (``OS::Heat::None``, ``ResourceGroup``)."""
    found = ATTRIBUTE_SCHEMAS.get(type_name)
    if found is None:
        return None
    names, prefixes = found
    return tuple(names) + BASE_ATTRIBUTES, tuple(prefixes)
