"""Metric-driven and scheduled scaling from templates.

``OS::Heat::TargetTrackingScalingPolicy`` and ``OS::Heat::StepScalingPolicy``
(:mod:`heat.engine.resources.openstack.autoscaling.metric_policy`) and
``OS::Heat::ScheduledAction`` (:mod:`...scheduled_action`) are thin callers
of the AS engine's policies of kind ``target_tracking``, ``step`` and
``scheduled`` (doc/dev/metric-scaling-contract.md): stacks are created,
updated and deleted through a served engine
(:class:`heat.tests.engine_fixture.EngineFixture`) and the policies
checked through ``show_scaling_policy``. A bad value fails validation,
naming the property, before anything is made; what only the engine can
refuse (an ``at`` in the past, a value known once another resource
exists) fails the create, naming the property too.
"""

import copy
import datetime
import os
import re

import testtools
import yaml

from heat.common import exception
from heat.engine import resource_types, resources
from heat.engine import validate as offline
from heat.engine.resources.openstack.autoscaling import (
    instance_group as ig,
)
from heat.engine.resources.openstack.autoscaling import (
    metric_policy,
    policy_resource,
    scheduled_action,
)
from heat.scaling import step_scaling
from heat.scaling import target_tracking as tt
from heat.tests import db_fixtures
from heat.tests.unit.autoscaling import template_stacks
from heat.tests.unit.autoscaling_resources import test_schemas

TT = 'OS::Heat::TargetTrackingScalingPolicy'
STEP = 'OS::Heat::StepScalingPolicy'
SCHED = 'OS::Heat::ScheduledAction'
TYPES = (TT, STEP, SCHED)

EXAMPLES = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..',
    'examples', 'autoscaling')

GROUP = {
    'type': 'OS::Heat::AutoScalingGroup',
    'properties': {
        'min_size': 1, 'max_size': 6, 'desired_capacity': 2,
        'cooldown': 0, 'resource': {'type': 'OS::Heat::RandomString'},
    },
}
REF = {'get_resource': 'asg'}

CPU = {
    'type': TT,
    'properties': {
        'auto_scaling_group_id': REF,
        'metric': {'name': 'cpu'},
        'target': 50,
        'scale_up': {'rate_limits': [{'type': 'members', 'value': 2,
                                      'period': 60}]},
    },
}
QUEUE = {
    'type': STEP,
    'properties': {
        'auto_scaling_group_id': REF,
        'metric': {'name': 'queue_depth', 'statistic': 'maximum'},
        'threshold': 70,
        'bands': [{'lower': 0, 'upper': 20, 'adjustment': 1},
                  {'lower': 20, 'adjustment': 3}],
    },
}
NIGHT = {
    'type': SCHED,
    'properties': {
        'auto_scaling_group_id': REF,
        'recurrence': '0 20 * * 1-5',
        'time_zone': 'Europe/Paris',
        'min_size': 1, 'desired_capacity': 1,
    },
}



def template(**policies):
    """A group ``asg`` and ``policies`` (``name=definition``, or
    ``name=(definition, {property: value or None to drop})``)."""
    tmpl = {'heat_template_version': '2021-04-16',
            'resources': {'asg': copy.deepcopy(GROUP)},
            'outputs': {}}
    for name, spec in policies.items():
        changes = {}
        if isinstance(spec, tuple):
            spec, changes = spec
        rsrc = copy.deepcopy(spec)
        for key, value in changes.items():
            if value is None:
                rsrc['properties'].pop(key, None)
            else:
                rsrc['properties'][key] = value
        tmpl['resources'][name] = rsrc
        attrs = (('policy_id', 'next_run_at') if spec['type'] == SCHED
                 else ('policy_id', 'metric_url'))
        for attr in attrs:
            tmpl['outputs']['%s_%s' % (name, attr)] = {
                'value': {'get_attr': [name, attr]}}
    return tmpl


def example(name):
    with open(os.path.join(EXAMPLES, name)) as f:
        return f.read()


def future(days=30):
    return (datetime.datetime.now(datetime.timezone.utc) +
            datetime.timedelta(days=days)).strftime('%Y-%m-%dT%H:%M:%S+00:00')


def descriptions(schema, path=''):
    """``{path: description}`` of a schema and every nested one."""
    out = {}
    for key, item in schema.items():
        here = '%s.%s' % (path, key) if path else key
        out[here] = item.description
        nested = getattr(item, 'schema', None)
        if isinstance(nested, dict):
            out.update(descriptions(nested, here))
        elif nested is not None:
            out[here + '[]'] = nested.description
            if isinstance(nested.schema, dict):
                out.update(descriptions(nested.schema, here + '[]'))
    return out


# -- schemas (no engine) ------------------------------------------------------

class TestSchema(testtools.TestCase):

    def test_registered_as_engine_types(self):
        for name in TYPES:
            cls = resources.get_class(name)
            self.assertEqual(name, cls.resource_type_name)
            self.assertTrue(resource_types.lookup(name).engine_internal,
                            name)
            self.assertIn(name, resource_types.engine_types())
        self.assertIs(metric_policy.TargetTrackingScalingPolicy,
                      resources.get_class(TT))
        self.assertIs(scheduled_action.ScheduledAction,
                      resources.get_class(SCHED))

    def test_every_property_and_attribute_is_described(self):
        for name in TYPES:
            cls = resources.get_class(name)
            for path, text in descriptions(cls.properties_schema).items():
                self.assertTrue(text and text.strip(), '%s %s'
                                % (name, path))
            for attr, schema in cls.attributes_schema.items():
                self.assertTrue(schema.description, '%s %s' % (name, attr))
            # the first line of the class's doc is the listing's text
            self.assertTrue(cls.__doc__.startswith(name + ': '), name)

    def test_properties(self):
        props = resources.get_class(TT).properties_schema
        self.assertEqual(
            ['auto_scaling_group_id', 'metric', 'mode',
             'evaluation_interval', 'target', 'tolerance', 'scale_up',
             'scale_down'], list(props))
        props = resources.get_class(STEP).properties_schema
        self.assertEqual(
            ['auto_scaling_group_id', 'metric', 'mode',
             'evaluation_interval', 'threshold', 'bands',
             'adjustment_type', 'min_adjustment_magnitude', 'warmup'],
            list(props))
        self.assertEqual(
            ['auto_scaling_group_id', 'recurrence', 'at', 'time_zone',
             'min_size', 'max_size', 'desired_capacity'],
            list(resources.get_class(SCHED).properties_schema))
        self.assertEqual(
            ['name', 'source', 'query', 'url', 'statistic', 'period'],
            list(props['metric'].schema))

    def test_only_the_group_replaces(self):
        for name in TYPES:
            for key, schema in resources.get_class(
                    name).properties_schema.items():
                self.assertEqual(key != 'auto_scaling_group_id',
                                 schema.update_allowed, (name, key))

    def test_defaults_are_the_librarys(self):
        props = resources.get_class(TT).properties_schema
        policy = tt.TargetTrackingPolicy(target=1)
        self.assertEqual(policy.tolerance, props['tolerance'].default)
        for direction, behavior in (('scale_up', tt.DEFAULT_SCALE_UP),
                                    ('scale_down', tt.DEFAULT_SCALE_DOWN)):
            keys = props[direction].schema
            self.assertEqual(behavior.stabilization_window,
                             keys['stabilization_window'].default)
            self.assertEqual(behavior.select, keys['select'].default)
            self.assertEqual(list(behavior.rate_limits),
                             keys['rate_limits'].default)
        props = resources.get_class(STEP).properties_schema
        step = step_scaling.StepPolicy(
            threshold=1, bands=({'lower': 0, 'upper': None,
                                 'adjustment': 1},))
        self.assertEqual(step.adjustment_type,
                         props['adjustment_type'].default)
        self.assertEqual(step.warmup, props['warmup'].default)
        metric = props['metric'].schema
        self.assertEqual(('push', 'average', 60, 'live', 10),
                         (metric['source'].default,
                          metric['statistic'].default,
                          metric['period'].default, props['mode'].default,
                          props['evaluation_interval'].default))

    def test_offline_schemas_know_them(self):
        for name in TYPES:
            cls = resources.get_class(name)
            offline_props = resource_types.properties_schema(name)
            self.assertEqual(set(cls.properties_schema),
                             set(offline_props.props), name)
            self.assertTrue(offline_props.props[
                'auto_scaling_group_id'].required)
            names, _ = resource_types.attribute_schema(name)
            self.assertEqual(set(cls.attributes_schema) | {'show'},
                             set(names), name)

    def test_what_goes_to_the_engine(self):
        stack = test_schemas.make_stack(template(cpu=CPU, queue=QUEUE,
                                                 night=NIGHT))
        cpu = stack['cpu']
        self.assertEqual(
            {'metric': {'name': 'cpu', 'source': 'push',
                        'statistic': 'average', 'period': 60},
             'mode': 'live', 'evaluation_interval': 10, 'target': 50,
             'tolerance': 0.1,
             'scale_up': {'stabilization_window': 0, 'select': 'max',
                          'rate_limits': [{'type': 'members', 'value': 2,
                                           'period': 60}]}},
            cpu.policy_params(cpu.properties))
        queue = stack['queue']
        self.assertEqual(
            {'metric': {'name': 'queue_depth', 'source': 'push',
                        'statistic': 'maximum', 'period': 60},
             'mode': 'live', 'evaluation_interval': 10, 'threshold': 70,
             'bands': [{'lower': 0, 'upper': 20, 'adjustment': 1},
                       {'lower': 20, 'adjustment': 3}],
             'adjustment_type': 'change_in_capacity', 'warmup': 0},
            queue.policy_params(queue.properties))
        night = stack['night']
        self.assertEqual({'recurrence': '0 20 * * 1-5',
                          'time_zone': 'Europe/Paris', 'min_size': 1,
                          'desired_capacity': 1},
                         night.policy_params(night.properties))


# -- validation (no engine) ---------------------------------------------------

class TestValidation(testtools.TestCase):

    def assertInvalid(self, where, message, **policies):
        stack = test_schemas.make_stack(template(**policies))
        err = self.assertRaises(exception.StackValidationFailed,
                                stack.validate)
        self.assertIn('%s: %s' % (where, message), str(err))
        return err

    def test_valid(self):
        self.assertIsNone(test_schemas.make_stack(template(
            cpu=CPU, queue=QUEUE, night=NIGHT)).validate())
        self.assertIsNone(test_schemas.make_stack(template(
            once=(NIGHT, {'recurrence': None, 'at': future()}),
            prom=(CPU, {'metric': {
                'name': 'cpu', 'source': 'prometheus',
                'query': 'avg(rate(cpu_seconds_total[1m]))',
                'url': 'http://127.0.0.1:9090'}}))).validate())

    def test_target_tracking(self):
        self.assertInvalid('resources.cpu.properties.target',
                           'target 0 must be a positive number',
                           cpu=(CPU, {'target': 0}))
        self.assertInvalid('resources.cpu.properties.tolerance',
                           'tolerance 1 must be in [0, 1)',
                           cpu=(CPU, {'tolerance': 1}))
        self.assertInvalid('resources.cpu.properties.tolerance',
                           '-0.5 is out of range',
                           cpu=(CPU, {'tolerance': -0.5}))
        self.assertInvalid(
            'resources.cpu.properties.scale_up.rate_limits[0]',
            'rate limit value 1.5 must be a whole number of members',
            cpu=(CPU, {'scale_up': {'rate_limits': [
                {'type': 'members', 'value': 1.5, 'period': 60}]}}))
        self.assertInvalid(
            'resources.cpu.properties.scale_down.rate_limits[1]',
            'rate limit period 0 must be positive',
            cpu=(CPU, {'scale_down': {'rate_limits': [
                {'type': 'percent', 'value': 10, 'period': 60},
                {'type': 'percent', 'value': 10, 'period': 0}]}}))
        self.assertInvalid(
            'resources.cpu.properties.scale_down.rate_limits[0].type',
            '"pods" is not an allowed value',
            cpu=(CPU, {'scale_down': {'rate_limits': [
                {'type': 'pods', 'value': 1, 'period': 60}]}}))
        self.assertInvalid(
            'resources.cpu.properties.scale_down.select',
            '"avg" is not an allowed value',
            cpu=(CPU, {'scale_down': {'select': 'avg'}}))
        self.assertInvalid(
            'resources.cpu.properties.scale_up.stabilization_window',
            '-1 is out of range',
            cpu=(CPU, {'scale_up': {'stabilization_window': -1}}))
        # the engine's own rules, checked with the stack too
        self.assertInvalid(
            'resources.cpu.properties.scale_up.rate_limits[0].period',
            '100000 must be <= 86400',
            cpu=(CPU, {'scale_up': {'rate_limits': [
                {'type': 'members', 'value': 1, 'period': 100000}]}}))
        self.assertInvalid('resources.cpu.properties',
                           'Property target not assigned',
                           cpu=(CPU, {'target': None}))

    def test_metric(self):
        self.assertInvalid('resources.cpu.properties.metric.statistic',
                           '"avg" is not an allowed value',
                           cpu=(CPU, {'metric': {'name': 'cpu',
                                                 'statistic': 'avg'}}))
        self.assertInvalid('resources.cpu.properties.metric.name',
                           '"1cpu" does not match pattern',
                           cpu=(CPU, {'metric': {'name': '1cpu'}}))
        self.assertInvalid('resources.cpu.properties.metric',
                           'Property name not assigned',
                           cpu=(CPU, {'metric': {'source': 'push'}}))
        self.assertInvalid('resources.cpu.properties.metric.period',
                           '0 is out of range',
                           cpu=(CPU, {'metric': {'name': 'cpu',
                                                 'period': 0}}))
        self.assertInvalid('resources.cpu.properties.metric.query',
                           'only for source prometheus',
                           cpu=(CPU, {'metric': {'name': 'cpu',
                                                 'query': 'up'}}))
        self.assertInvalid('resources.cpu.properties.metric.query',
                           'required when source is prometheus',
                           cpu=(CPU, {'metric': {'name': 'cpu',
                                                 'source': 'prometheus'}}))
        self.assertInvalid('resources.cpu.properties.metric.url',
                           '"ftp://x" does not match',
                           cpu=(CPU, {'metric': {
                               'name': 'cpu', 'source': 'prometheus',
                               'query': 'up', 'url': 'ftp://x'}}))
        self.assertInvalid('resources.cpu.properties.mode',
                           '"dry" is not an allowed value',
                           cpu=(CPU, {'mode': 'dry'}))
        self.assertInvalid('resources.queue.properties.evaluation_interval',
                           '0 is out of range',
                           queue=(QUEUE, {'evaluation_interval': 0}))

    def test_step(self):
        self.assertInvalid(
            'resources.queue.properties.bands[1]',
            'band 1: lower bound 10 overlaps band 0, which ends at 20',
            queue=(QUEUE, {'bands': [
                {'lower': 0, 'upper': 20, 'adjustment': 1},
                {'lower': 10, 'adjustment': 3}]}))
        self.assertInvalid(
            'resources.queue.properties.bands[0]',
            'band 0: change 1.5 must be a whole number of members',
            queue=(QUEUE, {'bands': [{'lower': 0, 'adjustment': 1.5}]}))
        self.assertInvalid(
            'resources.queue.properties.bands[0]',
            'Property adjustment not assigned',
            queue=(QUEUE, {'bands': [{'lower': 0}]}))
        self.assertInvalid(
            'resources.queue.properties.min_adjustment_magnitude',
            'min_adjustment_magnitude applies only to the '
            'percent_change_in_capacity type',
            queue=(QUEUE, {'min_adjustment_magnitude': 2}))
        self.assertInvalid(
            'resources.queue.properties.adjustment_type',
            '"ChangeInCapacity" is not an allowed value',
            queue=(QUEUE, {'adjustment_type': 'ChangeInCapacity'}))
        self.assertInvalid('resources.queue.properties.bands',
                           'length (0) is out of range',
                           queue=(QUEUE, {'bands': []}))
        self.assertIsNone(test_schemas.make_stack(template(queue=(QUEUE, {
            'adjustment_type': 'percent_change_in_capacity',
            'min_adjustment_magnitude': 2,
            'bands': [{'upper': 0, 'adjustment': -10},
                      {'lower': 0, 'adjustment': 25.5}]}))).validate())

    def test_scheduled(self):
        self.assertInvalid('resources.night.properties.recurrence',
                           '"0 8 * *" does not validate cron_expression',
                           night=(NIGHT, {'recurrence': '0 8 * *'}))
        # croniter takes six fields; the engine five
        self.assertInvalid('resources.night.properties.recurrence',
                           "recurrence '0 0 8 * * *' is not a valid cron",
                           night=(NIGHT, {'recurrence': '0 0 8 * * *'}))
        self.assertInvalid('resources.night.properties',
                           'must give exactly one of recurrence and at',
                           night=(NIGHT, {'at': future()}))
        self.assertInvalid('resources.night.properties',
                           'must give exactly one of recurrence and at',
                           night=(NIGHT, {'recurrence': None}))
        self.assertInvalid('resources.night.properties.min_size',
                           'min_size 3 is greater than max_size 2',
                           night=(NIGHT, {'min_size': 3, 'max_size': 2,
                                          'desired_capacity': None}))
        self.assertInvalid('resources.night.properties.desired_capacity',
                           'desired_capacity 9 is outside min_size 1',
                           night=(NIGHT, {'desired_capacity': 9,
                                          'max_size': 4}))
        self.assertInvalid('resources.night.properties',
                           'sets nothing',
                           night=(NIGHT, {'min_size': None,
                                          'desired_capacity': None}))
        self.assertInvalid('resources.night.properties.time_zone',
                           '"Mars/Base" does not validate timezone',
                           night=(NIGHT, {'time_zone': 'Mars/Base'}))
        self.assertInvalid('resources.night.properties.at',
                           '"tomorrow" does not validate iso_8601',
                           night=(NIGHT, {'recurrence': None,
                                          'at': 'tomorrow'}))
        self.assertInvalid('resources.night.properties.min_size',
                           '-1 is out of range',
                           night=(NIGHT, {'min_size': -1}))
        # the past is the engine's to refuse (a stack update must not
        # fail on an action that ran): valid here
        self.assertIsNone(test_schemas.make_stack(template(night=(NIGHT, {
            'recurrence': None,
            'at': '2020-01-01T00:00:00+00:00'}))).validate())

    def test_values_known_later_are_left_to_the_engine(self):
        tmpl = template(cpu=(CPU, {'target': {'get_attr': ['zero',
                                                           'value']}}))
        tmpl['resources']['zero'] = {'type': 'OS::Heat::Value',
                                     'properties': {'value': 0,
                                                    'type': 'number'}}
        self.assertIsNone(test_schemas.make_stack(tmpl).validate())

    def test_engine_errors_name_the_property(self):
        stack = test_schemas.make_stack(template(cpu=CPU, night=NIGHT))

        def mapped(name, exc):
            rsrc = stack[name]
            return str(rsrc._engine_error(rsrc.properties, exc))

        self.assertEqual(
            'resources.cpu.properties.scale_down.rate_limits[0].period: '
            '0 must be positive',
            mapped('cpu', exception.Invalid(
                reason='params.scale_down.rate_limits[0].period: '
                       '0 must be positive')))
        self.assertEqual(
            "resources.cpu.properties.metric.statistic: 'avg' is not one "
            "of average, sum, maximum, minimum",
            mapped('cpu', exception.RemoteError(
                exc_type='Invalid',
                value="Data supplied was not valid: params.metric."
                      "statistic: 'avg' is not one of average, sum, "
                      "maximum, minimum\nTraceback...")))
        self.assertEqual('resources.cpu.properties: no adjustment here',
                         mapped('cpu', exception.Invalid(
                             reason='no adjustment here')))
        self.assertEqual(
            "resources.night.properties.at: at '2020-01-01' is in the "
            "past",
            mapped('night', exception.Invalid(
                reason="schedule at '2020-01-01' is in the past")))
        # the library's rules, as the engine words them
        stack = test_schemas.make_stack(template(queue=QUEUE, cpu=CPU))
        self.assertEqual(
            'resources.queue.properties.bands[1]: band 1: lower bound 10 '
            'overlaps band 0, which ends at 20',
            mapped('queue', exception.Invalid(
                reason='params: bands: band 1: lower bound 10 overlaps '
                       'band 0, which ends at 20')))
        self.assertEqual(
            'resources.queue.properties.min_adjustment_magnitude: '
            'min_adjustment_magnitude applies only to ...',
            mapped('queue', exception.Invalid(
                reason='params: min_adjustment_magnitude applies only '
                       'to ...')))
        self.assertEqual(
            'resources.cpu.properties.target: target 0 must be a positive '
            'number',
            mapped('cpu', exception.Invalid(
                reason='params: target 0 must be a positive number')))
        other = exception.NotSupported(feature='x')
        self.assertIs(other, stack['cpu']._engine_error(
            stack['cpu'].properties, other))
        self.assertEqual(['a', 0, 'b'], policy_resource.split_path('a[0].b'))

    def test_offline_validator(self):
        for name in ('target-tracking.yaml', 'step-scaling.yaml',
                     'scheduled-actions.yaml'):
            result = offline.validate_template(example(name))
            self.assertIn('Parameters', result, name)
        tmpl = template(cpu=(CPU, {'metric': 'cpu'}))
        err = self.assertRaises(exception.StackValidationFailed,
                                offline.validate_template,
                                yaml.safe_dump(tmpl))
        self.assertIn('resources.cpu.properties.metric', str(err))
        tmpl = template(night=(NIGHT, {'colour': 'red'}))
        err = self.assertRaises(exception.StackValidationFailed,
                                offline.validate_template,
                                yaml.safe_dump(tmpl))
        self.assertIn('Unknown Property colour', str(err))
        tmpl = template(night=NIGHT)
        tmpl['outputs']['x'] = {'value': {'get_attr': ['night',
                                                       'metric_url']}}
        self.assertRaises(exception.StackValidationFailed,
                          offline.validate_template, yaml.safe_dump(tmpl))


# -- stacks on a served engine ------------------------------------------------

@db_fixtures.for_each_backend
class TestStacks(template_stacks.ServedStackCase):

    def policies(self, ident):
        group = self.group(ident)
        return {p['resource_name']: p for p in
                self.client.list_scaling_policies(self.ctx, group['id'])}

    def assertNotFound(self, fn, *args, **kwargs):
        try:
            fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - checked below
            self.assertTrue(ig.is_not_found(exc), repr(exc))
        else:
            self.fail('%s found' % (args,))

    def resource(self, ident, name):
        return self.svc.describe_stack_resource(self.ctx, ident, name)

    def assertCreateFails(self, name, tmpl, *texts):
        ident = self.svc.create_stack(self.ctx, name, yaml.safe_dump(tmpl),
                                      {}, {}, {'timeout_mins': 5})
        self.wait(ident)
        info = self.svc.show_stack(self.ctx, ident,
                                   resolve_outputs=False)[0]
        self.assertEqual('CREATE_FAILED', '%s_%s' % (
            info['stack_action'], info['stack_status']))
        for text in texts:
            self.assertIn(text, info['stack_status_reason'])
        return ident

    # -- resource type show ---------------------------------------------

    def test_resource_type_show_lists_descriptions(self):
        for name in TYPES:
            schema = self.svc.resource_schema(self.ctx, name,
                                              with_description=True)
            self.assertTrue(schema['description'].startswith(name))
            for key, prop in schema['properties'].items():
                self.assertTrue(prop['description'], (name, key))
            for key, attr in schema['attributes'].items():
                self.assertTrue(attr['description'], (name, key))
        metric = self.svc.resource_schema(
            self.ctx, TT, with_description=True)['properties']['metric']
        self.assertEqual('map', metric['type'])
        self.assertIn('average', str(metric['schema']['statistic']))
        described = {t['resource_type']: t['description'] for t in
                     self.svc.list_resource_types(
                         self.ctx, type_name='OS::Heat::',
                         with_description=True)}
        for name in TYPES:
            self.assertTrue(described[name].startswith(name + ': '))

    # -- OS::Heat::ScheduledAction --------------------------------------

    def test_scheduled_action_lifecycle(self):
        tmpl = template(night=NIGHT)
        tmpl['outputs']['night_show'] = {
            'value': {'get_attr': ['night', 'show']}}
        ident = self.create('sched', tmpl)
        policy = self.policies(ident)['night']
        self.assertEqual('scheduled', policy['kind'])
        self.assertEqual({'recurrence': '0 20 * * 1-5',
                          'time_zone': 'Europe/Paris', 'min_size': 1,
                          'desired_capacity': 1}, policy['schedule'])
        self.assertEqual(policy['id'],
                         self.resource(ident, 'night')[
                             'physical_resource_id'])
        outs = self.outputs(ident)
        self.assertEqual(policy['id'], outs['night_policy_id'])
        self.assertEqual(policy['next_run_at'], outs['night_next_run_at'])
        # show: the Auto-Scaling API's policy
        self.assertEqual((policy['id'], 'scheduled', policy['schedule']),
                         (outs['night_show']['id'],
                          outs['night_show']['kind'],
                          outs['night_show']['schedule']))
        self.assertRegex(outs['night_next_run_at'],
                         r'^\d{4}-\d\d-\d\dT(18|19):00:00Z$')
        # changed in place: the same policy, the schedule whole
        self.update(ident, template(night=(NIGHT, {
            'recurrence': '30 21 * * *', 'time_zone': None,
            'max_size': 3})))
        after = self.policies(ident)['night']
        self.assertEqual(policy['id'], after['id'])
        self.assertEqual({'recurrence': '30 21 * * *', 'min_size': 1,
                          'max_size': 3, 'desired_capacity': 1},
                         after['schedule'])
        self.assertTrue(self.outputs(ident)['night_next_run_at'].endswith(
            'T21:30:00Z'))
        # a one-time action
        when = future(days=3)
        self.update(ident, template(night=(NIGHT, {
            'recurrence': None, 'at': when})))
        after = self.policies(ident)['night']
        self.assertEqual(policy['id'], after['id'])
        self.assertEqual(when, after['schedule']['at'])
        # deleted with the stack
        gid = self.group(ident)['id']
        self.svc.delete_stack(self.ctx, ident)
        self.wait(ident)
        self.assertNotFound(self.client.show_scaling_policy,
                          self.ctx, policy['id'])
        self.assertNotFound(self.client.show_scaling_group,
                          self.ctx, gid)

    def test_scheduled_action_removed_by_update(self):
        ident = self.create('rm', template(night=NIGHT, morning=(NIGHT, {
            'recurrence': '0 8 * * 1-5', 'desired_capacity': 4})))
        self.assertEqual({'night', 'morning'}, set(self.policies(ident)))
        self.update(ident, template(night=NIGHT))
        self.assertEqual({'night'}, set(self.policies(ident)))

    def test_scheduled_bad_update_is_refused_and_kept(self):
        ident = self.create('badupd', template(night=NIGHT))
        before = self.policies(ident)['night']
        err = self.assertRaises(
            exception.StackValidationFailed, self.svc.update_stack,
            self.ctx, ident, yaml.safe_dump(template(night=(NIGHT, {
                'min_size': 5, 'max_size': 2}))), {}, {},
            {'timeout_mins': 5})
        self.assertIn('resources.night.properties.min_size: min_size 5 is '
                      'greater than max_size 2', str(err))
        self.assertState('CREATE_COMPLETE', ident)
        self.assertEqual(before['schedule'],
                         self.policies(ident)['night']['schedule'])

    def test_bad_value_fails_before_anything_is_made(self):
        err = self.assertRaises(
            exception.StackValidationFailed, self.svc.create_stack,
            self.ctx, 'bad', yaml.safe_dump(template(night=(NIGHT, {
                'recurrence': '0 0 8 * * *'}))), {}, {},
            {'timeout_mins': 5})
        self.assertIn('resources.night.properties.recurrence: ', str(err))
        self.assertEqual([], self.svc.list_stacks(self.ctx))
        self.assertEqual([], self.client.list_scaling_groups(self.ctx))

    def test_engine_refusal_names_the_property(self):
        # an at in the past: only the engine refuses it
        self.assertCreateFails(
            'past', template(night=(NIGHT, {
                'recurrence': None, 'at': '2020-01-01T00:00:00+00:00'})),
            "resources.night.properties.at: at '2020-01-01T00:00:00+00:00'"
            " is in the past")

    def test_group_not_found_names_the_property(self):
        tmpl = template(night=(NIGHT, {'auto_scaling_group_id': 'nope'}))
        self.assertCreateFails(
            'nogroup', tmpl, 'resources.night.properties.'
            'auto_scaling_group_id: scaling group "nope" not found')

    def test_new_group_replaces_the_action(self):
        tmpl = template(night=NIGHT)
        tmpl['resources']['other'] = copy.deepcopy(GROUP)
        ident = self.create('repl', tmpl)
        old = self.resource(ident, 'night')['physical_resource_id']
        tmpl = template(night=(NIGHT, {
            'auto_scaling_group_id': {'get_resource': 'other'}}))
        tmpl['resources']['other'] = copy.deepcopy(GROUP)
        self.update(ident, tmpl)
        new = self.resource(ident, 'night')['physical_resource_id']
        self.assertNotEqual(old, new)
        self.assertEqual({}, self.policies(ident))
        self.assertNotFound(self.client.show_scaling_policy,
                          self.ctx, old)
        other = self.group(ident, 'other')
        self.assertEqual(other['id'], self.client.show_scaling_policy(
            self.ctx, new)['group_id'])

    def test_scheduled_example(self):
        ident = self.svc.create_stack(
            self.ctx, 'example', example('scheduled-actions.yaml'),
            {'parameters': {'day_size': 3}}, {}, {'timeout_mins': 5})
        self.wait(ident)
        self.assertState('CREATE_COMPLETE', ident)
        policies = self.policies(ident)
        self.assertEqual(3, policies['morning']['schedule'][
            'desired_capacity'])
        outs = self.outputs(ident)
        self.assertEqual(policies['evening']['next_run_at'],
                         outs['evening_next_run_at'])
        self.assertEqual(self.group(ident)['id'], outs['group_id'])

    # -- metric policies ------------------------------------------------

    def token(self, url):
        found = re.search(r'/autoscaling/v1/webhooks/([^/]+)$', url)
        self.assertIsNotNone(found, url)
        return found.group(1)

    def test_metric_policies_lifecycle(self):
        ident = self.create('metric', template(cpu=CPU, queue=QUEUE))
        policies = self.policies(ident)
        cpu, queue = policies['cpu'], policies['queue']
        self.assertEqual(('target_tracking', 'step'),
                         (cpu['kind'], queue['kind']))
        self.assertEqual(50, cpu['params']['target'])
        self.assertEqual('cpu', cpu['params']['metric']['name'])
        self.assertEqual([{'type': 'members', 'value': 2, 'period': 60}],
                         cpu['params']['scale_up']['rate_limits'])
        self.assertEqual('maximum',
                         queue['params']['metric']['statistic'])
        self.assertEqual(70, queue['params']['threshold'])
        outs = self.outputs(ident)
        self.assertEqual(cpu['id'], outs['cpu_policy_id'])
        self.assertEqual(queue['id'], outs['queue_policy_id'])
        # the metric URL is a webhook of the policy taking samples
        self.assertEqual(1, len(self.client.list_webhooks(self.ctx,
                                                          cpu['id'])))
        answer = self.client.execute_webhook(
            self.ctx, self.token(outs['cpu_metric_url']),
            details={'samples': [{'name': 'cpu', 'value': 42.0,
                                  'member': 'm-1'}]})
        gid = self.group(ident)['id']
        self.assertEqual((1, gid), (answer['accepted'],
                                    answer['group_id']))
        self.assertEqual([42.0], [s['value'] for s in
                                  self.client.list_metric_samples(
                                      self.ctx, gid, name='cpu')])
        self.assertNotEqual(outs['cpu_metric_url'],
                            outs['queue_metric_url'])
        # the token is kept redacted
        data = self.svc.describe_stack_resource(self.ctx, ident, 'cpu')
        self.assertNotIn(self.token(outs['cpu_metric_url']), str(data))
        # changed in place: the same policy, params whole, same URL
        self.update(ident, template(
            cpu=(CPU, {'target': 70, 'scale_up': None,
                       'mode': 'shadow'}),
            queue=(QUEUE, {'bands': [{'upper': 0, 'adjustment': -1},
                                     {'lower': 0, 'adjustment': 2}]})))
        after = self.policies(ident)
        self.assertEqual((cpu['id'], queue['id']),
                         (after['cpu']['id'], after['queue']['id']))
        self.assertEqual((70, 'shadow'), (after['cpu']['params']['target'],
                                          after['cpu']['params']['mode']))
        # left out: the engine's defaults again
        self.assertEqual({'stabilization_window': 0, 'rate_limits': [],
                          'select': 'max'},
                         after['cpu']['params']['scale_up'])
        self.assertEqual(2, len(after['queue']['params']['bands']))
        self.assertEqual(outs['cpu_metric_url'],
                         self.outputs(ident)['cpu_metric_url'])
        # deleted with the stack, its webhook with it
        self.svc.delete_stack(self.ctx, ident)
        self.wait(ident)
        for pid in (cpu['id'], queue['id']):
            self.assertNotFound(self.client.show_scaling_policy,
                              self.ctx, pid)
        self.assertNotFound(self.client.execute_webhook,
                          self.ctx, self.token(outs['cpu_metric_url']),
                          details={'samples': [{'name': 'cpu',
                                                'value': 1}]})

    def test_metric_engine_refusal_names_the_property(self):
        # a value known once another resource exists: not validated
        # with the stack; the engine refuses it, naming params.target
        tmpl = template(cpu=(CPU, {'target': {'get_attr': ['zero',
                                                           'value']}}))
        tmpl['resources']['zero'] = {'type': 'OS::Heat::Value',
                                     'properties': {'value': 0,
                                                    'type': 'number'}}
        self.assertCreateFails('zero', tmpl,
                               'resources.cpu.properties.target: 0 must '
                               'be > 0')

    def test_metric_bad_update_is_refused_and_kept(self):
        ident = self.create('mbad', template(cpu=CPU))
        before = self.policies(ident)['cpu']
        err = self.assertRaises(
            exception.StackValidationFailed, self.svc.update_stack,
            self.ctx, ident, yaml.safe_dump(template(cpu=(CPU, {
                'tolerance': 1}))), {}, {}, {'timeout_mins': 5})
        self.assertIn('resources.cpu.properties.tolerance: tolerance 1 '
                      'must be in [0, 1)', str(err))
        self.assertEqual(before['params'],
                         self.policies(ident)['cpu']['params'])

    def test_metric_examples(self):
        for name, policy, kind in (
                ('target-tracking.yaml', 'cpu_policy', 'target_tracking'),
                ('step-scaling.yaml', 'queue_policy', 'step')):
            ident = self.svc.create_stack(
                self.ctx, name.split('.')[0], example(name), {}, {},
                {'timeout_mins': 5})
            self.wait(ident)
            self.assertState('CREATE_COMPLETE', ident)
            found = self.policies(ident)[policy]
            self.assertEqual(kind, found['kind'])
            outs = self.outputs(ident)
            self.assertEqual(found['id'], outs['policy_id'])
            self.assertIn('/autoscaling/v1/webhooks/', outs['metric_url'])
