"""Update preview inside nested stacks (``show_nested``).

Upstream's ``preview_update_stack`` with ``show_nested`` lists, beside the
stack's own resources, the resources of its nested stacks, each marked with
``parent_resource`` (the name of the resource that owns its stack):

- a nested-stack resource that the update would update (it always is: the
  nested stack's resources decide) has its nested stack previewed against
  the nested stack the new definition would give, recursively;
- a nested-stack resource that the update would replace or delete takes
  its whole nested stack with it: every resource of it, at every depth, is
  listed as ``deleted``.

A nested stack whose new definition cannot be built for the preview (a
property that needs a resource the update would create, say) is not
looked into; the preview of the stack itself is unchanged by that.
"""

import logging

LOG = logging.getLogger(__name__)

KINDS = ('unchanged', 'updated', 'replaced', 'added', 'deleted')


def _nested_of(res):
    nested = getattr(res, 'nested', None)
    if not callable(nested):
        return None
    try:
        return nested()
    except Exception:  # a vanished nested stack has nothing to show
        LOG.debug('No nested stack for %s', getattr(res, 'name', res))
        return None


def _new_nested(current_res, new_res, current_nested):
    """The nested stack ``new_res``'s definition would give (not stored)."""
    # a group's new template is built from its existing members
    new_res.resource_id = current_res.resource_id
    return new_res._parse_nested_stack(
        current_nested.name, new_res.child_template(),
        new_res.child_params(), check_limits=False)


def _all_deleted(stack, parent, out):
    for name, res in stack.resources.items():
        out['deleted'].append((res, parent))
        inner = _nested_of(res)
        if inner is not None:
            _all_deleted(inner, name, out)


def nested_changes(current, updated, names):
    """``{kind: [(resource, parent resource name), ...]}`` for the nested
    stacks of ``current`` that updating to ``updated`` reaches; ``names``
    is ``current.preview_update(updated)``."""
    out = {k: [] for k in KINDS}
    for name in names.get('updated', ()):
        cur, new = current.resources.get(name), updated.resources.get(name)
        inner_cur = _nested_of(cur)
        if inner_cur is None or new is None:
            continue
        try:
            inner_new = _new_nested(cur, new, inner_cur)
            inner_names = inner_cur.preview_update(inner_new)
        except Exception as exc:
            LOG.debug('Preview of the nested stack of %s skipped: %s',
                      name, exc)
            continue
        for kind in KINDS:
            source = inner_cur if kind in ('updated', 'deleted') \
                else inner_new
            out[kind].extend((source.resources[n], name)
                             for n in inner_names.get(kind, ()))
        deeper = nested_changes(inner_cur, inner_new, inner_names)
        for kind in KINDS:
            out[kind].extend(deeper[kind])
    for name in (list(names.get('replaced', ())) +
                 list(names.get('deleted', ()))):
        inner_cur = _nested_of(current.resources.get(name))
        if inner_cur is not None:
            _all_deleted(inner_cur, name, out)
    return out
