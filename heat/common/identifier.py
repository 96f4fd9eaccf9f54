"""Identifiers of stacks, resources and events, as upstream Heat forms them.

A :class:`HeatIdentifier` is a mapping with the keys ``tenant``,
``stack_name``, ``stack_id`` and ``path`` (what the RPC layer passes
around). It renders as an ARN
(``arn:openstack:heat::<tenant>:stacks/<name>/<id><path>``) or as the
URL path the REST API uses (``<tenant>/stacks/<name>/<id><path>``).
Resource and event identifiers are stack identifiers with a path
(``/resources/<name>``, ``/resources/<name>/events/<id>``).
"""

import collections.abc
import re
import urllib.parse

ARN_PREFIX = 'arn:openstack:heat::'
_ARN_RE = re.compile(r'^arn:openstack:heat::(?P<tenant>[^:]*):'
                     r'stacks/(?P<name>[^/]+)/(?P<id>[^/]+)(?P<path>.*)$')


def _quote(text):
    return urllib.parse.quote(str(text), safe='')


def _unquote(text):
    return urllib.parse.unquote(text)


class HeatIdentifier(collections.abc.Mapping):
    """Identifies a stack, or something inside it through ``path``."""

    FIELDS = (TENANT, STACK_NAME, STACK_ID, PATH) = (
        'tenant', 'stack_name', 'stack_id', 'path')

    def __init__(self, tenant, stack_name, stack_id, path=''):
        if path and not path.startswith('/'):
            path = '/' + path
        if '/' in str(stack_name):
            raise ValueError('Stack name may not contain "/"')
        self.identity = {self.TENANT: tenant,
                         self.STACK_NAME: stack_name,
                         self.STACK_ID: str(stack_id),
                         self.PATH: path}

    @classmethod
    def from_arn(cls, arn):
        """Parse an ARN made by :meth:`arn`."""
        match = _ARN_RE.match(arn)
        if match is None:
            raise ValueError('"%s" is not a valid ARN' % arn)
        return cls(_unquote(match.group('tenant')),
                   _unquote(match.group('name')),
                   _unquote(match.group('id')),
                   _unquote(match.group('path')))

    @classmethod
    def from_arn_url(cls, url):
        """Parse a URL whose path ends in a quoted ARN."""
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme not in ('http', 'https'):
            raise ValueError('"%s" is not a valid URL' % url)
        path = parsed.path
        idx = path.find(_quote(ARN_PREFIX))
        if idx < 0:
            raise ValueError('"%s" is not a valid ARN URL' % url)
        return cls.from_arn(_unquote(path[idx:]))

    def _path_part(self):
        # the path holds names as they are (a resource named in Chinese,
        # or with a '%'): quoted here, for the ARN and the URL
        path = self.identity[self.PATH]
        return '/'.join(_quote(p) for p in path.split('/'))

    def stack_path(self):
        """``<name>/<id>``, each part quoted."""
        return '%s/%s' % (_quote(self.stack_name), _quote(self.stack_id))

    def _tenant_path(self):
        return 'stacks/%s%s' % (self.stack_path(), self._path_part())

    def arn(self):
        return '%s%s:%s' % (ARN_PREFIX, _quote(self.tenant),
                            self._tenant_path())

    def arn_url_path(self):
        return '/' + _quote(self.arn())

    def url_path(self):
        return '%s/%s' % (_quote(self.tenant), self._tenant_path())

    def stack(self):
        """The identifier of the stack itself (no path)."""
        return HeatIdentifier(self.tenant, self.stack_name, self.stack_id)

    def _path_components(self):
        return [p for p in self.identity[self.PATH].split('/') if p]

    def __getattr__(self, attr):
        identity = self.__dict__.get('identity')
        if identity is not None and attr in self.FIELDS:
            return identity[attr]
        raise AttributeError(attr)

    def __getitem__(self, key):
        return self.identity[key]

    def __iter__(self):
        return iter(self.FIELDS)

    def __len__(self):
        return len(self.FIELDS)

    def __eq__(self, other):
        if isinstance(other, collections.abc.Mapping):
            return dict(self) == dict(other)
        return NotImplemented

    def __hash__(self):
        return hash(tuple(self.identity[f] for f in self.FIELDS))

    def __repr__(self):
        return repr(dict(self))


class ResourceIdentifier(HeatIdentifier):
    """A resource of a stack: path ``/resources/<name>``."""

    RESOURCE_NAME = 'resource_name'

    def __init__(self, tenant, stack_name, stack_id, path='',
                 resource_name=None):
        if resource_name is not None:
            if '/' in resource_name:
                raise ValueError('Resource name may not contain "/"')
            # as upstream: the name as it is (the identity's path is not
            # a URL; url_path() and arn() quote it)
            path = '/'.join([path.rstrip('/'), 'resources', resource_name])
        super().__init__(tenant, stack_name, stack_id, path)

    def __getattr__(self, attr):
        if attr == self.RESOURCE_NAME:
            return self._path_components()[-1]
        return super().__getattr__(attr)

    def stack(self):
        """The stack the resource belongs to (nested path dropped)."""
        parts = self.identity[self.PATH].rsplit('/', 2)
        return HeatIdentifier(self.tenant, self.stack_name, self.stack_id,
                              parts[0])


class EventIdentifier(HeatIdentifier):
    """An event of a resource (or of the stack, with the stack's name as
    the resource name): path ``/resources/<name>/events/<id>``."""

    EVENT_ID = 'event_id'

    def __init__(self, tenant, stack_name, stack_id, path, event_id=None):
        if event_id is not None:
            path = '/'.join([path.rstrip('/'), 'events', str(event_id)])
        super().__init__(tenant, stack_name, stack_id, path)

    def __getattr__(self, attr):
        if attr == self.EVENT_ID:
            return self._path_components()[-1]
        return super().__getattr__(attr)

    def resource(self):
        """The resource the event belongs to."""
        path = self.identity[self.PATH].rsplit('/', 2)[0]
        return ResourceIdentifier(self.tenant, self.stack_name,
                                  self.stack_id, path)

    def stack(self):
        return self.resource().stack()
