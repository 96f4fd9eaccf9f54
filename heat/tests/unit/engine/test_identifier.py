"""Stack, resource and event identifiers: ARNs and URL paths."""

from heat.common import identifier
from heat.tests import base


class TestHeatIdentifier(base.TestCase):

    def test_renderings(self):
        cases = [
            (('t', 's', 'i'), '', 'arn:openstack:heat::t:stacks/s/i',
             't/stacks/s/i'),
            (('t', 's', 'i'), '/resources/r',
             'arn:openstack:heat::t:stacks/s/i/resources/r',
             't/stacks/s/i/resources/r'),
            (('a b', 's:x', 'i'), '',
             'arn:openstack:heat::a%20b:stacks/s%3Ax/i',
             'a%20b/stacks/s%3Ax/i'),
        ]
        for args, path, arn, url in cases:
            hi = identifier.HeatIdentifier(*args, path=path)
            self.assertEqual(arn, hi.arn())
            self.assertEqual(url, hi.url_path())

    def test_mapping_keys(self):
        hi = identifier.HeatIdentifier('t', 's', 'i')
        self.assertEqual({'tenant': 't', 'stack_name': 's',
                          'stack_id': 'i', 'path': ''}, dict(hi))
        self.assertEqual('s', hi.stack_name)

    def test_arn_round_trip(self):
        hi = identifier.HeatIdentifier('t', 'my stack', 'i', '/resources/r')
        self.assertEqual(hi, identifier.HeatIdentifier.from_arn(hi.arn()))
        url = 'http://h:8000/v1/waitcondition/' + hi.arn_url_path()[1:]
        self.assertEqual(hi, identifier.HeatIdentifier.from_arn_url(url))

    def test_bad_arn(self):
        self.assertRaises(ValueError, identifier.HeatIdentifier.from_arn,
                          'arn:aws:x')

    def test_stack_name_may_not_hold_a_slash(self):
        self.assertRaises(ValueError, identifier.HeatIdentifier, 't', 'a/b',
                          'i')


class TestResourceAndEvent(base.TestCase):

    def test_resource_identifier(self):
        stack = identifier.HeatIdentifier('t', 's', 'i')
        res = identifier.ResourceIdentifier(resource_name='web', **stack)
        self.assertEqual('t/stacks/s/i/resources/web', res.url_path())
        self.assertEqual('web', res.resource_name)
        self.assertEqual(stack, res.stack())

    def test_event_identifier(self):
        stack = identifier.HeatIdentifier('t', 's', 'i')
        res = identifier.ResourceIdentifier(resource_name='web', **stack)
        ev = identifier.EventIdentifier(event_id='e1', **res)
        self.assertEqual('t/stacks/s/i/resources/web/events/e1',
                         ev.url_path())
        self.assertEqual('e1', ev.event_id)
        self.assertEqual(res, ev.resource())
        self.assertEqual(stack, ev.stack())


class TestUnicodeResourceName(base.TestCase):
    """As upstream (StackUnicodeTemplateTest): the identity's path holds
    a resource's name as it is; its URL and ARN percent-encode it."""

    NAME = '\u8d44\u6e90'

    def test_identity_path_holds_the_name_and_urls_percent_encode_it(self):
        stack = identifier.HeatIdentifier('t', 's', 'i')
        res = identifier.ResourceIdentifier(resource_name=self.NAME, **stack)
        self.assertEqual('/resources/\u8d44\u6e90', res['path'])
        self.assertEqual(self.NAME, res.resource_name)
        self.assertEqual('t/stacks/s/i/resources/%E8%B5%84%E6%BA%90',
                         res.url_path())
        self.assertEqual('arn:openstack:heat::t:stacks/s/i/resources/'
                         '%E8%B5%84%E6%BA%90', res.arn())
        self.assertEqual(res, identifier.HeatIdentifier.from_arn(res.arn()))

    def test_a_percent_sign_in_a_name_survives_the_round_trip(self):
        stack = identifier.HeatIdentifier('t', 's', 'i')
        res = identifier.ResourceIdentifier(resource_name='50%off', **stack)
        self.assertEqual('/resources/50%off', res['path'])
        self.assertEqual('t/stacks/s/i/resources/50%25off', res.url_path())
        back = identifier.HeatIdentifier.from_arn(res.arn())
        self.assertEqual('/resources/50%off', back['path'])
