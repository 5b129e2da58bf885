from django.conf import settings


def signup(request) -> dict:
    """The sign-up policy, so pages offer sign-up only where it can succeed."""
    return {"signup_policy": settings.SIGNUP}
