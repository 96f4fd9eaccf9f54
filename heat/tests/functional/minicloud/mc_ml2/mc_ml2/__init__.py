"""ML2 mechanism driver ``mc_bind`` for an agent-less test cloud.

Binds every port, on any host, to the first segment offered, with
``vif_type`` ``ovs``, and marks it ACTIVE. There is no dataplane: the
binding only exists in Neutron's database, which is all Nova's fake virt
driver needs for a server to go ACTIVE with a port.
"""

from neutron_lib import constants
from neutron_lib.api.definitions import portbindings
from neutron_lib.plugins.ml2 import api


class AlwaysBindMechanismDriver(api.MechanismDriver):

    def initialize(self):
        pass

    def bind_port(self, context):
        for segment in context.segments_to_bind:
            context.set_binding(segment[api.ID], portbindings.VIF_TYPE_OVS,
                                {portbindings.CAP_PORT_FILTER: True},
                                status=constants.PORT_STATUS_ACTIVE)
            return
