"""Resources with a stack domain user (heat/engine/clients/stack_domain.py).

A resource using :class:`StackUser` gets, on demand, a Keystone user of
the stack user domain, in the project of its root stack's users (made on
first need, shared by every resource of the stack tree, deleted with the
root stack), holding only ``heat_stack_user_role``. The user's id and
password are kept in the resource's data (the password redacted), and
the user is deleted with the resource.
"""

import logging

from heat.db import api as db_api
from heat.engine.clients import stack_domain

LOG = logging.getLogger(__name__)


def _root(stack):
    root_id = stack.root_stack_id()
    if root_id == stack.id:
        return stack.id, stack.tenant_id
    row = db_api.stack_get(stack.context, root_id, stack.tenant_id,
                           show_deleted=True)
    return root_id, (row.tenant if row is not None else stack.tenant_id)


def user_project(stack, create=True):
    """The stack user project of ``stack``'s tree: the root stack's,
    made (and claimed on the root's row) when it has none."""
    ctx = stack.context
    row = db_api.stack_get(ctx, stack.id, stack.tenant_id)
    if row is not None and row.stack_user_project_id:
        return row.stack_user_project_id
    root_id, tenant = _root(stack)
    root = db_api.stack_get(ctx, root_id, tenant, show_deleted=True)
    project = root.stack_user_project_id if root is not None else None
    if project is None:
        if not create:
            return None
        domain = stack_domain.StackDomain.get(ctx)
        made = domain.create_project(root_id, tenant)
        project = db_api.stack_claim_user_project(ctx, root_id, tenant, made)
        if project != made:
            # another resource of the tree claimed one first
            try:
                domain.delete_project(made)
            except Exception:  # noqa: BLE001 - an empty project is harmless
                LOG.exception('Could not delete project %s', made)
    if root_id != stack.id:
        db_api.stack_claim_user_project(ctx, stack.id, stack.tenant_id,
                                        project)
    return project


def delete_user_project(stack):
    """Delete the stack user project of a root stack being deleted."""
    if stack.owner_id or not stack_domain.configured():
        return
    row = db_api.stack_get(stack.context, stack.id, stack.tenant_id,
                           show_deleted=True)
    project = row.stack_user_project_id if row is not None else None
    if not project:
        return
    try:
        stack_domain.StackDomain.get(stack.context).delete_project(project)
    except Exception as exc:  # noqa: BLE001 - the stack goes anyway
        LOG.warning('Stack user project %s of stack %s not deleted: %s',
                    project, stack.id, exc)


class StackUser:
    """Mixin: a Keystone user of the stack user domain for this
    resource."""

    #: the user's password (Resource.secret_data_keys)
    secret_data_keys = frozenset(('password',))

    def _stack_user_id(self):
        return self.data().get('user_id')

    def _stack_user_password(self):
        return self.data().get('password')

    def _create_stack_user(self):
        """Make the user (once); ``(user_id, password, project_id)``."""
        user_id = self._stack_user_id()
        project = user_project(self.stack)
        if user_id:
            return user_id, self._stack_user_password(), project
        password = stack_domain.new_password()
        domain = stack_domain.StackDomain.get(self.stack.context)
        user_id = domain.create_user(self.physical_resource_name(), project,
                                     password)
        try:
            self.data_set('password', password, redact=True)
            self.data_set('user_id', user_id)
        except Exception:
            domain.delete_user(user_id)
            raise
        return user_id, password, project

    def _stack_user_token(self):
        user_id, password, project = self._create_stack_user()
        return stack_domain.StackDomain.get(self.stack.context).user_token(
            user_id, password, project)

    def _delete_stack_user(self):
        user_id = self._stack_user_id()
        if not user_id:
            return
        stack_domain.StackDomain.get(self.stack.context).delete_user(user_id)
        for key in ('user_id', 'password', 'token'):
            try:
                self.data_delete(key)
            except Exception:  # noqa: BLE001 - the row may be gone
                pass

    def _heat_signal_credentials(self):
        """What a client needs to sign in as the stack user and signal
        (upstream's HEAT_SIGNAL map)."""
        user_id, password, project = self._create_stack_user()
        domain = stack_domain.StackDomain.get(self.stack.context)
        from heat.engine import clients
        return {'auth_url': domain.url, 'username':
                self.physical_resource_name(), 'user_id': user_id,
                'password': password, 'project_id': project,
                'domain_id': domain.domain_id,
                'region_name': clients._conf().region_name_for_services}
