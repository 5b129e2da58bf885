from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from workspaces import services
from workspaces.models import Invitation, Role

pytestmark = pytest.mark.django_db


def test_expire_invitations_marks_only_overdue_pending_ones(role_world, capsys):
    owner, workspace = role_world.users["owner"], role_world.workspace
    fresh, _, _ = services.invitation_create(workspace=workspace, actor=owner, email="fresh@example.com", role=Role.VIEWER)
    old, _, _ = services.invitation_create(workspace=workspace, actor=owner, email="old@example.com", role=Role.VIEWER)
    Invitation.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    call_command("expire_invitations")
    assert "1 invitation expired." in capsys.readouterr().out
    assert Invitation.objects.get(pk=old.pk).status == Invitation.Status.EXPIRED
    assert Invitation.objects.get(pk=fresh.pk).status == Invitation.Status.PENDING
    call_command("expire_invitations")
    assert "0 invitations expired." in capsys.readouterr().out


def test_flush_expired_jwt_blacklist_rows(alice):
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    from accounts.tokens import token_pair_for_user

    token_pair_for_user(alice)
    OutstandingToken.objects.create(user=alice, jti="old", token="x", expires_at=timezone.now() - timedelta(days=1))
    call_command("flushexpiredtokens")
    assert not OutstandingToken.objects.filter(jti="old").exists()
