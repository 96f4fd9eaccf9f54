"""``OS::Glance::WebImage`` and ``OS::Glance::Image``.

``OS::Glance::WebImage`` makes an image record and has Glance import its
data from ``location`` with the image import API's ``web-download``
method: Glance itself downloads the URL, so it must reach it, and its
``[import_filtering_opts]`` must let it through (by default only http and
https on ports 80 and 443). The create waits until the image is
``active``; a failed import (the image back to ``queued`` with
``os_glance_failed_import`` set, or ``killed``) fails the create with
Glance's task message. Updates in place, as upstream's: ``tags``,
``architecture``, ``kernel_id``, ``os_distro``, ``os_version``,
``owner``, ``visibility`` and ``ramdisk_id``; any other change replaces
the image. Delete waits until the image is gone (or ``deleted``).

``OS::Glance::Image`` (deprecated upstream since 8.0.0) registers an
image at an existing URL, which only the Glance v1 API could do; Glance
removed that API (Rocky) and upstream hid the type (22.0.0). Its schema is
upstream's, so templates validate; a create fails with that reason and
points at ``OS::Glance::WebImage`` (upstream's create fails too, with
glanceclient's "Requested version of OpenStack Images API is not
available").
"""

from heat.common import exception
from heat.engine import constraints, properties
from heat.engine.resources import cloud

GLANCE_ID_PATTERN = ('^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}'
                     '-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$')

WEB_DOWNLOAD = 'web-download'


def _string(description, **kw):
    return properties.Schema(properties.Schema.STRING, description, **kw)


def _formats_mismatch(container_format, disk_format):
    return container_format in ('ami', 'ari', 'aki') and \
        disk_format != container_format


FORMAT_MISMATCH = ("Invalid mix of disk and container formats. When "
                   "setting a disk or container format to one of 'aki', "
                   "'ari', or 'ami', the container and disk formats must "
                   "match.")


class _GlanceImageBase(cloud.CloudResource):
    required_service = 'glance'
    proxy_name = 'image'
    entity = 'image'

    def validate(self):
        result = super().validate()
        if _formats_mismatch(self.properties['container_format'],
                             self.properties['disk_format']):
            raise exception.StackValidationFailed(
                message=FORMAT_MISMATCH,
                path=self.t.path('properties') + ['container_format'])
        return result

    def check_delete_complete(self, token):
        if token is None:
            return True
        try:
            image = self.fetch()
        except exception.PhysicalResourceNotFound:
            return True
        # a deleted image may still be listed as such for a while
        return image.status == 'deleted'

    def handle_check(self):
        image = self.fetch()
        if image.status in ('killed', 'deleted'):
            raise exception.CloudError('Image %s: status is %s'
                                       % (self.resource_id, image.status))

    def _show_resource(self):
        data = self.fetch().to_dict(original_names=True)
        data.pop('location', None)
        properties_ = data.pop('properties', None) or {}
        data.update(properties_)
        return data

    def _attribute_from(self, image, name):
        return self._show_resource().get(name)

    def _update_tags(self, old_tags, new_tags):
        old_tags = set(old_tags or ())
        new_tags = set(new_tags or ())
        for tag in sorted(new_tags - old_tags):
            self.proxy.add_tag(self.resource_id, tag)
        for tag in sorted(old_tags - new_tags):
            try:
                self.proxy.remove_tag(self.resource_id, tag)
            except Exception as exc:
                if not cloud.is_not_found(exc):
                    raise


class GlanceWebImage(_GlanceImageBase):
    """A Glance image imported from a URL (``web-download``)."""

    PROPERTIES = (
        NAME, IMAGE_ID, MIN_DISK, MIN_RAM, PROTECTED,
        DISK_FORMAT, CONTAINER_FORMAT, LOCATION, TAGS,
        ARCHITECTURE, KERNEL_ID, OS_DISTRO, OS_VERSION, OWNER,
        VISIBILITY, RAMDISK_ID,
    ) = (
        'name', 'id', 'min_disk', 'min_ram', 'protected',
        'disk_format', 'container_format', 'location', 'tags',
        'architecture', 'kernel_id', 'os_distro', 'os_version', 'owner',
        'visibility', 'ramdisk_id',
    )

    properties_schema = {
        NAME: _string('Name for the image. The name of an image is not '
                      'unique to a Image Service node.'),
        IMAGE_ID: _string('The image ID. Glance will generate a UUID if '
                          'not specified.'),
        MIN_DISK: properties.Schema(
            properties.Schema.INTEGER,
            'Amount of disk space (in GB) required to boot image. Default '
            'value is 0 if not specified and means no limit on the disk '
            'size.',
            constraints=[constraints.Range(min=0)], default=0),
        MIN_RAM: properties.Schema(
            properties.Schema.INTEGER,
            'Amount of ram (in MB) required to boot image. Default value '
            'is 0 if not specified and means no limit on the ram size.',
            constraints=[constraints.Range(min=0)], default=0),
        PROTECTED: properties.Schema(
            properties.Schema.BOOLEAN,
            'Whether the image can be deleted. If the value is True, the '
            'image is protected and cannot be deleted.',
            default=False),
        DISK_FORMAT: _string(
            'Disk format of image.', required=True,
            constraints=[constraints.AllowedValues(
                ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw',
                 'qcow2', 'vdi', 'iso', 'ploop'])]),
        CONTAINER_FORMAT: _string(
            'Container format of image.', required=True,
            constraints=[constraints.AllowedValues(
                ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker'])]),
        LOCATION: _string(
            'URL where the data for this image already resides. For '
            'example, if the image data is stored in swift, you could '
            'specify "swift://example.com/container/obj".',
            required=True),
        TAGS: properties.Schema(
            properties.Schema.LIST, 'List of image tags.',
            update_allowed=True),
        ARCHITECTURE: _string('Operating system architecture.',
                              update_allowed=True),
        KERNEL_ID: _string(
            'ID of image stored in Glance that should be used as the '
            'kernel when booting an AMI-style image.',
            update_allowed=True,
            constraints=[constraints.AllowedPattern(GLANCE_ID_PATTERN)]),
        OS_DISTRO: _string('The common name of the operating system '
                           'distribution in lowercase.',
                           update_allowed=True),
        OS_VERSION: _string('Operating system version as specified by the '
                            'distributor.', update_allowed=True),
        OWNER: _string('Owner of the image.', update_allowed=True),
        VISIBILITY: _string(
            'Scope of image accessibility.', update_allowed=True,
            default='private',
            constraints=[constraints.AllowedValues(
                ['public', 'private', 'community', 'shared'])]),
        RAMDISK_ID: _string(
            'ID of image stored in Glance that should be used as the '
            'ramdisk when booting an AMI-style image.',
            update_allowed=True,
            constraints=[constraints.AllowedPattern(GLANCE_ID_PATTERN)]),
    }

    # -- create ------------------------------------------------------------

    def _web_download_enabled(self):
        try:
            info = self.proxy.get_import_info()
        except Exception:  # noqa: BLE001 - no discovery: let Glance say
            return True
        methods = (getattr(info, 'import_methods', None) or {})
        values = methods.get('value') if isinstance(methods, dict) \
            else None
        return values is None or WEB_DOWNLOAD in values

    def handle_create(self):
        from openstack.image.v2 import image as sdk_image
        props = self.properties
        if not self._web_download_enabled():
            raise exception.CloudError(
                'Glance does not offer the "%s" image import method '
                '(enabled_import_methods): OS::Glance::WebImage cannot '
                'import %s' % (WEB_DOWNLOAD, props[self.LOCATION]))
        attrs = {k: props[k] for k in self.PROPERTIES
                 if k != self.LOCATION and props[k] is not None}
        image = sdk_image.Image.new(**attrs).create(self.proxy)
        self.resource_id_set(image.id)
        from openstack import exceptions as sdk_exc
        # the proxy hands back Glance's answer without raising: a refused
        # import ("URI for web-download does not pass filtering") is
        # Glance's 400
        sdk_exc.raise_from_response(self.proxy.import_image(
            image, method=WEB_DOWNLOAD, uri=props[self.LOCATION]))
        return image.id

    def check_create_complete(self, image_id):
        image = self.proxy.get_image(image_id)
        if image.status == 'active':
            return True
        if image.status in ('killed', 'deleted'):
            raise exception.ResourceInError(
                resource_status=image.status,
                status_reason=self._import_failure(image) or 'Unknown')
        extra = image.properties or {}
        if image.status == 'queued' and extra.get('os_glance_failed_import'):
            # Glance gave up (the image is back to queued): its task says
            # why, as far as it says
            reason = 'web-download of %s failed (stores: %s)' % (
                self.properties[self.LOCATION],
                extra['os_glance_failed_import'])
            message = self._import_failure(image)
            if message:
                reason = '%s: %s' % (reason, message)
            raise exception.ResourceInError(resource_status=image.status,
                                            status_reason=reason)
        return False

    def _import_failure(self, image):
        """Glance's message of the image's last failed import task."""
        try:
            tasks = list(self.proxy.image_tasks(image.id))
        except Exception:  # noqa: BLE001 - the reason is a courtesy
            return None
        failed = [t for t in tasks if getattr(t, 'status', None) == 'failure'
                  and getattr(t, 'message', None)]
        failed.sort(key=lambda t: getattr(t, 'updated_at', None) or '')
        return failed[-1].message if failed else None

    # -- update ------------------------------------------------------------

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        diff = dict(prop_diff)
        if self.TAGS in diff:
            # the image's tags now (the definition's may already resolve
            # to the new parameters)
            self._update_tags(self.fetch().tags, diff.pop(self.TAGS))
        if diff:
            # against the fetched image: a JSON patch of replacements
            self.proxy.update_image(self.proxy.get_image(self.resource_id),
                                    **diff)


class GlanceImage(_GlanceImageBase):
    """The deprecated image at an existing URL (Glance v1 only)."""

    support_status = {
        'status': 'DEPRECATED', 'version': '8.0.0',
        'message': 'Creating a Glance Image based on an existing URL '
                   'location requires the Glance v1 API, which is '
                   'deprecated.'}

    PROPERTIES = (
        NAME, IMAGE_ID, IS_PUBLIC, MIN_DISK, MIN_RAM, PROTECTED,
        DISK_FORMAT, CONTAINER_FORMAT, LOCATION, TAGS, EXTRA_PROPERTIES,
        ARCHITECTURE, KERNEL_ID, OS_DISTRO, OWNER, RAMDISK_ID,
    ) = (
        'name', 'id', 'is_public', 'min_disk', 'min_ram', 'protected',
        'disk_format', 'container_format', 'location', 'tags',
        'extra_properties', 'architecture', 'kernel_id', 'os_distro',
        'owner', 'ramdisk_id',
    )

    properties_schema = {
        NAME: _string('Name for the image. The name of an image is not '
                      'unique to a Image Service node.'),
        IMAGE_ID: _string('The image ID. Glance will generate a UUID if '
                          'not specified.'),
        IS_PUBLIC: properties.Schema(
            properties.Schema.BOOLEAN,
            'Scope of image accessibility. Public or private. Default '
            'value is False means private. Note: The policy setting of '
            'glance allows only users with admin roles to create public '
            'image by default.',
            default=False),
        MIN_DISK: properties.Schema(
            properties.Schema.INTEGER,
            'Amount of disk space (in GB) required to boot image. Default '
            'value is 0 if not specified and means no limit on the disk '
            'size.',
            constraints=[constraints.Range(min=0)], default=0),
        MIN_RAM: properties.Schema(
            properties.Schema.INTEGER,
            'Amount of ram (in MB) required to boot image. Default value '
            'is 0 if not specified and means no limit on the ram size.',
            constraints=[constraints.Range(min=0)], default=0),
        PROTECTED: properties.Schema(
            properties.Schema.BOOLEAN,
            'Whether the image can be deleted. If the value is True, the '
            'image is protected and cannot be deleted.',
            default=False),
        DISK_FORMAT: _string(
            'Disk format of image.', required=True,
            constraints=[constraints.AllowedValues(
                ['ami', 'ari', 'aki', 'vhd', 'vmdk', 'raw', 'qcow2', 'vdi',
                 'iso'])]),
        CONTAINER_FORMAT: _string(
            'Container format of image.', required=True,
            constraints=[constraints.AllowedValues(
                ['ami', 'ari', 'aki', 'bare', 'ova', 'ovf'])]),
        LOCATION: _string(
            'URL where the data for this image already resides. For '
            'example, if the image data is stored in swift, you could '
            'specify "swift://example.com/container/obj".',
            required=True),
        TAGS: properties.Schema(
            properties.Schema.LIST, 'List of image tags.',
            update_allowed=True, support_status={'version': '7.0.0'}),
        EXTRA_PROPERTIES: properties.Schema(
            properties.Schema.MAP,
            'Arbitrary properties to associate with the image.',
            update_allowed=True, default={},
            support_status={'version': '7.0.0'}),
        ARCHITECTURE: _string('Operating system architecture.',
                              update_allowed=True,
                              support_status={'version': '7.0.0'}),
        KERNEL_ID: _string(
            'ID of image stored in Glance that should be used as the '
            'kernel when booting an AMI-style image.',
            update_allowed=True, support_status={'version': '7.0.0'},
            constraints=[constraints.AllowedPattern(GLANCE_ID_PATTERN)]),
        OS_DISTRO: _string('The common name of the operating system '
                           'distribution in lowercase.',
                           update_allowed=True,
                           support_status={'version': '7.0.0'}),
        OWNER: _string('Owner of the image.', update_allowed=True,
                       support_status={'version': '7.0.0'}),
        RAMDISK_ID: _string(
            'ID of image stored in Glance that should be used as the '
            'ramdisk when booting an AMI-style image.',
            update_allowed=True, support_status={'version': '7.0.0'},
            constraints=[constraints.AllowedPattern(GLANCE_ID_PATTERN)]),
    }

    V1_REQUIRED = ('Creating a Glance Image based on an existing URL '
                   'location requires the Glance v1 API, which Glance '
                   'removed (Rocky) and this engine does not speak: use '
                   'OS::Glance::WebImage, which has Glance download the '
                   'URL (image import "web-download").')

    def handle_create(self):
        # Upstream's create talks Glance v1 (images with a "location");
        # Glance dropped that API, and this engine speaks v2 only.
        raise exception.CloudError(self.V1_REQUIRED)


def resource_mapping():
    return {
        'OS::Glance::Image': GlanceImage,
        'OS::Glance::WebImage': GlanceWebImage,
    }
