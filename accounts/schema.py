from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.drainage import set_override

from accounts.authentication import DeferredJWTAuthentication


class VersionedJWTScheme(SimpleJWTScheme):
    """Declares bearer auth for the API's JWT authentication in OpenAPI."""

    target_class = "accounts.authentication.VersionedJWTAuthentication"
    name = "jwtAuth"
    match_subclasses = True


# The storage calls' form of the same bearer scheme: one component, not a clash.
set_override(DeferredJWTAuthentication, "suppress_collision_warning", True)
