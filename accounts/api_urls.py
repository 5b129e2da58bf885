from accounts import api
from omx.routing import api_path

urlpatterns = [
    *api_path("auth/register", api.RegisterApi.as_view(), "auth-register"),
    *api_path("auth/login", api.LoginApi.as_view(), "auth-login"),
    *api_path("auth/refresh", api.RefreshApi.as_view(), "auth-refresh"),
    *api_path("auth/logout", api.LogoutApi.as_view(), "auth-logout"),
    *api_path("auth/logout-all", api.LogoutAllApi.as_view(), "auth-logout-all"),
    *api_path("auth/me", api.MeApi.as_view(), "auth-me"),
    *api_path("auth/password", api.PasswordChangeApi.as_view(), "auth-password"),
    *api_path("auth/password-reset", api.PasswordResetApi.as_view(), "auth-password-reset"),
    *api_path(
        "auth/password-reset/confirm",
        api.PasswordResetConfirmApi.as_view(),
        "auth-password-reset-confirm",
    ),
]
