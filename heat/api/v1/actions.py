"""Stack actions: suspend, resume, check, cancel_update,
cancel_without_rollback (``POST .../actions`` with one key)."""

import webob.exc

from heat.api.v1 import util

ACTIONS = ('suspend', 'resume', 'check', 'cancel_update',
           'cancel_without_rollback')


class ActionController:
    POLICY_SCOPE = 'actions'

    def __init__(self, engine, conf=None):
        self.engine = engine
        self.conf = conf

    def action(self, req, stack_name, stack_id):
        body = util.body_dict(req)
        if len(body) < 1:
            raise webob.exc.HTTPBadRequest('No action specified')
        if len(body) > 1:
            raise webob.exc.HTTPBadRequest('Multiple actions specified')
        action = next(iter(body))
        if action not in ACTIONS:
            raise webob.exc.HTTPBadRequest('Invalid action %s specified'
                                           % action)
        ctx = req.context
        identity = util.stack_identity(req, stack_name, stack_id)
        if action == 'suspend':
            self.engine.stack_suspend(ctx, identity)
        elif action == 'resume':
            self.engine.stack_resume(ctx, identity)
        elif action == 'check':
            self.engine.stack_check(ctx, identity)
        elif action == 'cancel_update':
            self.engine.stack_cancel_update(ctx, identity,
                                            cancel_with_rollback=True)
        else:
            self.engine.stack_cancel_update(ctx, identity,
                                            cancel_with_rollback=False)
        return None
