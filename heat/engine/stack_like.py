"""The interface intrinsic functions resolve against.

Functions never import the stack engine. They are bound, at parse time, to
an object with this shape; the offline validator passes a
``heat.engine.validate.OfflineStack`` and the stack engine (a later layer)
passes its ``Stack``. Anything not listed here is not available to
functions.
"""

from typing import Any, Mapping, Optional, Protocol


class ResourceLike(Protocol):
    """What a function may ask of one resource."""

    name: str

    def FnGetRefId(self) -> Any:
        """Value of ``get_resource`` / ``Ref``."""

    def FnGetAtt(self, key: str, *path: Any) -> Any:
        """Value of ``get_attr`` / ``Fn::GetAtt`` (with an optional path)."""

    def FnGetAtts(self) -> Mapping[str, Any]:
        """All attributes, for ``get_attr: [name]`` (2015-10-15 on)."""


class ParentResourceLike(Protocol):
    """The resource a nested stack was created for (``resource_facade``)."""

    metadata: Mapping[str, Any]
    deletion_policy: Optional[str]
    update_policy: Mapping[str, Any]


class StackLike(Protocol):
    """What a function may ask of the stack it is resolved in."""

    name: str
    id: Optional[str]
    tenant_id: Optional[str]
    region_name: Optional[str]
    #: Template parameters after defaults, environment and pseudo
    #: parameters: ``heat.engine.parameters.Parameters``.
    parameters: Any
    #: The template object (``heat.engine.template.Template``).
    t: Any
    #: The template's ``files`` map (name -> content).
    files: Mapping[str, str]
    #: ``None`` for a top-level stack.
    parent_resource: Optional[ParentResourceLike]

    def resource_by_name(self, name: str) -> Optional[ResourceLike]:
        """The named resource, or None if the template has none."""

    def has_resource(self, name: str) -> bool:
        """Whether the template defines (and conditions keep) the name."""

    def condition(self, name: str) -> bool:
        """The value of a named condition of the template."""

    def availability_zones(self) -> list:
        """Zone names for ``Fn::GetAZs`` (empty without a cloud)."""
