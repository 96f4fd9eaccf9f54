"""Exceptions to statuses and upstream's error body."""

import webob.exc

from heat.api import faults
from heat.common import exception
from heat.tests import base


class TestFaults(base.TestCase):

    def check(self, exc, code, err_type, message=None):
        status, body = faults.error_body(exc)
        self.assertEqual(code, status)
        self.assertEqual(code, body['code'])
        self.assertEqual(err_type, body['error']['type'])
        self.assertIsNone(body['error']['traceback'])
        if message is not None:
            self.assertEqual(message, body['error']['message'])
        return body

    def test_table(self):
        rows = [
            (exception.StackNotFound(stack_name='s'), 404, 'StackNotFound',
             'The Stack (s) could not be found.'),
            (exception.ResourceNotFound(resource_name='r', stack_name='s'),
             404, 'ResourceNotFound', None),
            (exception.EntityNotFound(entity='Event', name='e'), 404,
             'EntityNotFound', None),
            (exception.NotFound('Specified output key x not found.'), 404,
             'NotFound', 'Specified output key x not found.'),
            (exception.StackValidationFailed(message='bad'), 400,
             'StackValidationFailed', 'bad'),
            (exception.ActionInProgress(stack_name='s', action='UPDATE'),
             409, 'ActionInProgress', None),
            (exception.StackExists(stack_name='s'), 409, 'StackExists',
             None),
            (exception.NotSupported(feature='X'), 400, 'NotSupported',
             'X is not supported.'),
            (exception.SignalResourceNotSupported(feature='X'), 400,
             'SignalResourceNotSupported', None),
            (exception.Invalid(reason='r'), 400, 'Invalid', None),
            (exception.RequestLimitExceeded(message='m'), 400,
             'RequestLimitExceeded', None),
            (exception.ImmutableParameterModified('a'), 400,
             'ImmutableParameterModified', None),
            (exception.ResourceTypeNotFound(type_name='X'), 404,
             'ResourceTypeNotFound', None),
            (ValueError('v'), 400, 'ValueError', 'v'),
            (webob.exc.HTTPBadRequest('No template specified'), 400,
             'HTTPBadRequest', 'No template specified'),
        ]
        for exc, code, err_type, message in rows:
            self.check(exc, code, err_type, message)

    def test_unexpected_error_hides_details(self):
        body = self.check(RuntimeError('secret'), 500, 'RuntimeError',
                          faults.INTERNAL_MESSAGE)
        self.assertEqual('Internal Server Error', body['title'])

    def test_remote_error_uses_its_type(self):
        self.check(exception.RemoteError(exc_type='ValueError', value='v'),
                   400, 'ValueError', 'v')
        self.check(exception.RemoteError(exc_type='KeyError', value='k'),
                   500, 'KeyError', faults.INTERNAL_MESSAGE)

    def test_debug_adds_traceback(self):
        try:
            raise exception.Invalid(reason='r')
        except exception.Invalid as exc:
            _, body = faults.error_body(exc, debug=True)
        self.assertIn('Traceback', body['error']['traceback'])

    def test_response_is_json(self):
        resp = faults.error_response(exception.StackNotFound(
            stack_name='s'))
        self.assertEqual(404, resp.status_code)
        self.assertEqual('application/json', resp.content_type)
        self.assertEqual('Not Found', resp.json['title'])
