"""Quick builders for tests. Users get no usable password (no hashing: fast)."""

import itertools

from accounts.models import User
from projects import services as project_services
from workspaces import services
from workspaces.models import Membership, Role

_n = itertools.count(1)


def make_user(email=None, full_name=None) -> User:
    n = next(_n)
    return User.objects.create_user(email=email or f"person{n}@example.com", password=None,
                                    full_name=full_name or f"Person {n}")


def make_workspace(owner=None, name="Acme Research", description="", **members):
    """A workspace owned by `owner`; `members` maps roles to users or lists of users."""
    owner = owner or make_user()
    workspace = services.workspace_create(user=owner, name=name, description=description)
    for role, users in members.items():
        for user in users if isinstance(users, (list, tuple)) else [users]:
            add_member(workspace, user, role)
    return workspace


def add_member(workspace, user, role=Role.MEMBER) -> Membership:
    return Membership.objects.create(workspace=workspace, user=user, role=role)


def make_project(workspace, actor=None, name="Genomes", description=""):
    actor = actor or workspace.created_by
    return project_services.project_create(workspace=workspace, actor=actor, name=name, description=description)
