from django import template

from workspaces.models import can_manage_member

register = template.Library()


@register.filter
def manageable_by(member, workspace) -> bool:
    """Whether the caller (whose membership the workspace carries) may change
    or remove `member`: not themselves (they leave instead), and by role."""
    caller = getattr(workspace, "membership", None)
    if caller is None or member.user_id == caller.user_id:
        return False
    return can_manage_member(workspace.role, member.role)
