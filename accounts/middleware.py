"""Django's AuthenticationMiddleware, handing the request's session to the
login backend while Django's auth.get_user runs, so that the user row read
with the session is not read again (accounts.sessions, accounts.backends)."""

from django.contrib import auth
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.utils.functional import SimpleLazyObject

from accounts.sessions import session_in_use


def get_user(request):
    if not hasattr(request, "_cached_user"):
        token = session_in_use.set(request.session)
        try:
            request._cached_user = auth.get_user(request)
        finally:
            session_in_use.reset(token)
    return request._cached_user


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: get_user(request))
