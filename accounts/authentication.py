from rest_framework import exceptions
from rest_framework_simplejwt.authentication import JWTAuthentication


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
