from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class VersionedJWTScheme(SimpleJWTScheme):
    """Declares bearer auth for the API's JWT authentication in OpenAPI."""

    target_class = "accounts.authentication.VersionedJWTAuthentication"
    name = "jwtAuth"
