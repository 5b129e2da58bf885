from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.http import Http404
from django.urls import Resolver404, resolve, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import LoginForm, PasswordResetRequestForm, ProfileForm, SignupForm
from omx.forms import add_service_errors
from omx.htmx import redirect_htmx


def _next_url(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _render_form(request, template, form, **context):
    """The whole page, or only the form when htmx swaps it in place."""
    if request.htmx:
        template = f"{template}#form"
    return render(request, template, {"form": form, "next": _next_url(request, ""), **context})


def _invited_email(request) -> str | None:
    """The address of the usable invitation that `next` leads back to, if any
    (the invitation page sends visitors here with itself as `next`)."""
    from workspaces.selectors import invitation_get_by_token

    target = _next_url(request, "")
    try:
        match = resolve(urlsplit(target).path.rstrip("/"))
    except Resolver404:
        return None
    if match.view_name != "workspaces:invitation":
        return None
    try:
        invitation = invitation_get_by_token(token=match.kwargs["token"])
    except Http404:
        return None
    return invitation.email if invitation.is_usable else None


def signup(request):
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    if settings.SIGNUP == "closed":
        status = 403 if request.method == "POST" else 200
        return render(request, "accounts/signup.html", {"closed": True}, status=status)
    form = SignupForm(request.POST or None, locked_email=_invited_email(request))
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(**form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except services.SignupClosed as exc:
            form.add_error(None, exc.detail)
        else:
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            messages.success(request, "Welcome to omX! Create a workspace to get started.")
            return redirect_htmx(request, _next_url(request))
    return _render_form(request, "accounts/signup.html", form)


def login_view(request):
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_next_url(request))
    form = LoginForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        login(request, form.user)
        return redirect_htmx(request, _next_url(request))
    return _render_form(request, "accounts/login.html", form)


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, "You have been logged out.")
    return redirect("accounts:login")


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_update(user=request.user, full_name=form.cleaned_data["full_name"])
        messages.success(request, "Profile saved.")
        return redirect("accounts:profile")
    return _render_form(request, "accounts/profile.html", form)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        try:
            services.user_password_set(
                user=self.request.user, password=form.cleaned_data["new_password1"], field="new_password1"
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        update_session_auth_hash(self.request, self.request.user)
        messages.success(self.request, "Password changed. Other devices have been signed out.")
        return redirect(self.get_success_url())


def password_reset(request):
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_reset_request(
            email=form.cleaned_data["email"], base_url=request.build_absolute_uri("/")
        )
        return render(request, "accounts/password_reset_sent.html", {"email": form.cleaned_data["email"]})
    return _render_form(request, "accounts/password_reset.html", form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:login")
    post_reset_login = False

    def form_valid(self, form):
        try:
            services.password_reset_complete(
                user=self.user, password=form.cleaned_data["new_password1"], field="new_password1"
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        messages.success(self.request, "Your password has been set. You can log in now.")
        return redirect(self.success_url)
