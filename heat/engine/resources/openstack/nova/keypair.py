"""``OS::Nova::KeyPair``: an SSH (or x509) key pair of Nova.

With ``public_key`` the pair is imported; without it Nova generates one,
and with ``save_private_key: true`` the private key is kept in the
resource's data (redacted) for the ``private_key`` attribute, which is
empty otherwise. The resource's reference (``get_resource``) is the key
name, which is what ``OS::Nova::Server``'s ``key_name`` takes.

No property can be updated: any change replaces the pair. As key names
are unique per user, the old pair is deleted before its replacement is
made (upstream deletes it in ``prepare_for_replace``).

Requests use compute API microversion 2.10 (``type`` needs 2.2, ``user``
2.10), whatever microversion other types of the stack set: from 2.92 on,
Nova no longer generates key pairs.
"""

from heat.common import exception
from heat.engine import attributes, constraints, properties
from heat.engine.resources import cloud

#: ``type`` needs 2.2, ``user`` 2.10; Nova stopped generating keys in 2.92
KEYPAIR_MICROVERSION = '2.10'


class KeyPair(cloud.CloudResource):
    """A Nova key pair (its id is its name)."""

    required_service = 'nova'
    proxy_name = 'compute'
    #: the generated private key (Resource.secret_data_keys)
    secret_data_keys = frozenset(('private_key',))
    entity = 'keypair'
    #: the name is unique: the old pair goes before its replacement
    replace_before_create = False

    PROPERTIES = (
        NAME, SAVE_PRIVATE_KEY, PUBLIC_KEY, KEY_TYPE, USER,
    ) = (
        'name', 'save_private_key', 'public_key', 'type', 'user',
    )

    ATTRIBUTES = (
        PUBLIC_KEY_ATTR, PRIVATE_KEY_ATTR,
    ) = (
        'public_key', 'private_key',
    )

    properties_schema = {
        NAME: properties.Schema(
            properties.Schema.STRING,
            'The name of the key pair.',
            required=True,
            constraints=[constraints.Length(min=1, max=255)]),
        SAVE_PRIVATE_KEY: properties.Schema(
            properties.Schema.BOOLEAN,
            'True if the system should remember a generated private key; '
            'False otherwise.',
            default=False),
        PUBLIC_KEY: properties.Schema(
            properties.Schema.STRING,
            'The optional public key. This allows users to supply the '
            'public key from a pre-existing key pair. If not supplied, a '
            'new key pair will be generated.'),
        KEY_TYPE: properties.Schema(
            properties.Schema.STRING,
            'Keypair type. Supported since Nova api version 2.2.',
            constraints=[constraints.AllowedValues(['ssh', 'x509'])],
            support_status={'version': '8.0.0'}),
        USER: properties.Schema(
            properties.Schema.STRING,
            'ID or name of user to whom to add key-pair. The usage of this '
            'property is limited to being used by administrators only. '
            'Supported since Nova api version 2.10.',
            constraints=[constraints.CustomConstraint('keystone.user')],
            support_status={'version': '9.0.0'}),
    }

    attributes_schema = {
        PUBLIC_KEY_ATTR: attributes.Schema('The public key.',
                                           type=attributes.Schema.STRING),
        PRIVATE_KEY_ATTR: attributes.Schema(
            'The private key if it has been saved.',
            cache_mode=attributes.Schema.CACHE_NONE,
            type=attributes.Schema.STRING),
    }

    # -- requests ----------------------------------------------------------

    def _user_id(self):
        user = self.properties[self.USER]
        return self.find_id('keystone', 'user', user) if user else None

    def _keypair_resource(self, **attrs):
        from openstack.compute.v2 import keypair
        return keypair.Keypair.new(**attrs)

    def fetch(self):
        if self.resource_id is None:
            raise exception.PhysicalResourceNotFound(resource_id=self.name)
        params = {}
        user_id = self.data().get('user_id')
        if user_id:
            params['user_id'] = user_id
        try:
            return self._keypair_resource(name=self.resource_id).fetch(
                self.proxy, microversion=KEYPAIR_MICROVERSION, **params)
        except Exception as exc:
            if cloud.is_not_found(exc):
                raise exception.PhysicalResourceNotFound(
                    resource_id=self.resource_id) from None
            raise

    # -- create ------------------------------------------------------------

    def handle_create(self):
        attrs = {'name': self.properties[self.NAME]}
        if self.properties[self.PUBLIC_KEY]:
            attrs['public_key'] = self.properties[self.PUBLIC_KEY]
        if self.properties[self.KEY_TYPE]:
            attrs['type'] = self.properties[self.KEY_TYPE]
        user_id = self._user_id()
        if user_id:
            attrs['user_id'] = user_id
            self.data_set('user_id', user_id)
        new = self._keypair_resource(**attrs).create(
            self.proxy, microversion=KEYPAIR_MICROVERSION)
        if self.properties[self.SAVE_PRIVATE_KEY] and new.private_key:
            self.data_set('private_key', new.private_key, redact=True)
        self.resource_id_set(new.name)
        return new.name

    # -- delete ------------------------------------------------------------

    def handle_delete(self):
        if self.resource_id is None:
            return None
        self.proxy.delete_keypair(self.resource_id, ignore_missing=True,
                                  user_id=self.data().get('user_id'))
        return self.resource_id

    # -- attributes --------------------------------------------------------

    @property
    def private_key(self):
        if self.properties[self.SAVE_PRIVATE_KEY]:
            return self.data().get('private_key', '')
        return ''

    def _resolve_attribute(self, name):
        if name == self.PRIVATE_KEY_ATTR:
            return self.private_key
        if name == self.PUBLIC_KEY_ATTR:
            if self.properties[self.PUBLIC_KEY]:
                return self.properties[self.PUBLIC_KEY]
            if self.resource_id is None:
                return None
            return self.fetch().public_key
        return None

    def _attribute_from(self, physical, name):
        if name == self.PUBLIC_KEY_ATTR:
            return physical.public_key
        if name == self.PRIVATE_KEY_ATTR:
            return self.private_key
        return None

    def _show_resource(self):
        data = self.fetch().to_dict(original_names=True)
        data.pop('location', None)
        data.pop('private_key', None)
        return data


def resource_mapping():
    return {'OS::Nova::KeyPair': KeyPair}
