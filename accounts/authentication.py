from django.utils.functional import SimpleLazyObject, empty
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.settings import api_settings

# The claim carrying the user's token_version (see accounts.tokens).
VERSION_CLAIM = "ver"


class VersionedJWTAuthentication(JWTAuthentication):
    """simplejwt's bearer authentication plus the token-version check.

    The user row is loaded anyway, so comparing its version costs no query.
    """

    www_authenticate_realm = "api"

    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        if validated_token.get(VERSION_CLAIM) != user.token_version:
            raise exceptions.AuthenticationFailed(
                "The token has been revoked.", code="token_revoked"
            )
        return user


class PendingUser(SimpleLazyObject):
    """A valid bearer token's user, whose row is not read yet.

    Whatever needs the user (an attribute, a comparison) reads it first with
    every check of VersionedJWTAuthentication: a missing or inactive user, or
    a revoked token, is a 401 there. A view whose lookup can read the row in
    its own query passes `user_id` and `token_version` to it and hands over
    what it found with `resolve`, saving the query.
    """

    def __init__(self, authentication: VersionedJWTAuthentication, token):
        super().__init__(lambda: VersionedJWTAuthentication.get_user(authentication, token))
        # Set on the proxy itself: LazyObject's setattr would read the user.
        self.__dict__["user_id"] = token.get(api_settings.USER_ID_CLAIM)  # none: no row, and the full read says why
        self.__dict__["token_version"] = token.get(VERSION_CLAIM)

    def resolve(self, user) -> None:
        """`user`: the token's user as read by a query that required it to be
        active and at `token_version`; None if that query found no row, which
        leaves the full checks to say why (a 401), or to pass when the user is
        fine and the row was missing for another reason."""
        if self._wrapped is not empty:
            return
        if user is None:
            self._setup()
        else:
            self._wrapped = user


def pending_user(user) -> PendingUser | None:
    """`user` if it is a bearer token's user not read yet; never reads it."""
    return user if type(user) is PendingUser and user._wrapped is empty else None


class DeferredJWTAuthentication(VersionedJWTAuthentication):
    """VersionedJWTAuthentication that leaves reading the user to the view
    (PendingUser), for views that read it in their first query anyway."""

    def get_user(self, validated_token):
        return PendingUser(self, validated_token)


class IsAuthenticatedOrPending(IsAuthenticated):
    """IsAuthenticated, with a pending bearer user let through to the view,
    whose first query reads and checks it (or reads it by touching it)."""

    def has_permission(self, request, view):
        return pending_user(request.user) is not None or super().has_permission(request, view)


class ReadsBearerWithLookup:
    """For an APIView whose handlers look up, before anything else, a row
    whose query can read the bearer token's user too (PendingUser; the
    project lookups do). Whatever a handler did, a token whose user is gone
    or inactive, or which is revoked, gets the 401 it gets everywhere else:
    a user still pending when the answer is ready is read then, and a
    failed check replaces the answer."""

    authentication_classes = (DeferredJWTAuthentication, SessionAuthentication)
    permission_classes = (IsAuthenticatedOrPending,)

    def finalize_response(self, request, response, *args, **kwargs):
        pending = pending_user(getattr(request, "_user", None))
        if pending is not None:
            try:
                pending.resolve(None)
            except exceptions.AuthenticationFailed as exc:
                response = self.handle_exception(exc)
        return super().finalize_response(request, response, *args, **kwargs)
