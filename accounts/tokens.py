"""JWT issue and check, on simplejwt, with a per-user token version.

Every token carries `ver`, the user's token_version when it was issued.
Logout-all, password changes and resets bump the version, so all earlier
access and refresh tokens fail at once, while a token issued right after
(even within the same second) carries the new version and works.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts.authentication import VERSION_CLAIM
from accounts.models import User
from omx.exceptions import ApplicationError



class InvalidRefreshToken(ApplicationError):
    status_code = 401
    default_detail = "The refresh token is invalid, expired or revoked."
    default_code = "token_not_valid"


def token_pair_for_user(user: User) -> dict:
    refresh = RefreshToken.for_user(user)
    refresh[VERSION_CLAIM] = user.token_version
    access = refresh.access_token
    return {
        "access_token": str(access),
        "refresh_token": str(refresh),
        "token_type": "bearer",
        "expires_in": int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()),
    }


def refresh_token_parse(raw: str) -> tuple[RefreshToken, User]:
    """A valid, unrevoked refresh token and its (active) user, or InvalidRefreshToken."""
    try:
        token = RefreshToken(raw)  # checks signature, expiry, type and the blacklist
    except TokenError:
        raise InvalidRefreshToken() from None
    user = User.objects.filter(pk=token.get("user_id"), is_active=True).first()
    if user is None or token.get(VERSION_CLAIM) != user.token_version:
        raise InvalidRefreshToken()
    return token, user


def refresh_token_blacklist(token: RefreshToken) -> None:
    """Blacklist once; a second use of the same token (a replay racing the
    first) loses on the unique constraint and is refused."""
    outstanding, _ = OutstandingToken.objects.get_or_create(
        jti=token["jti"],
        defaults={
            "user_id": token.get("user_id"),
            "token": str(token),
            "expires_at": datetime_from_epoch(token["exp"]),
        },
    )
    try:
        with transaction.atomic():
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError:
        raise InvalidRefreshToken() from None
