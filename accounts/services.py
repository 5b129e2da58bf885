import hashlib
import logging
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from accounts.models import User
from accounts.tokens import refresh_token_blacklist, refresh_token_parse, token_pair_for_user
from omx.exceptions import ApplicationError
from omx.throttle import failure_record, failures_check

logger = logging.getLogger("omx.accounts")


class InvalidCredentials(ApplicationError):
    status_code = 401
    default_detail = "Incorrect email or password."
    default_code = "invalid_credentials"


class SignupClosed(ApplicationError):
    status_code = 403
    default_detail = "Sign-up is closed on this server. Ask an administrator for an account."
    default_code = "signup_closed"


# --- Registration and profile ----------------------------------------------


def signup_check_open() -> None:
    """Refuse every sign-up when SIGNUP=closed (checked before any input)."""
    if settings.SIGNUP == "closed":
        raise SignupClosed()


def signup_check_email(*, email: str) -> None:
    """The address rules of the sign-up policy: allowed domains, and with
    SIGNUP=invitation a pending invitation for that address."""
    domains = settings.SIGNUP_EMAIL_DOMAINS
    if domains and email.rpartition("@")[2].lower() not in domains:
        raise ValidationError(
            {"email": [f"Sign-up is open to addresses at {', '.join(domains)} only."]}
        )
    if settings.SIGNUP == "invitation":
        from workspaces.selectors import invitation_pending_exists_for_email

        if not invitation_pending_exists_for_email(email=email):
            raise SignupClosed(
                "Sign-up is by invitation only: use the address a workspace invitation was sent to."
            )


def user_create(*, email: str, password: str, full_name: str = "") -> User:
    signup_check_open()
    email = User.objects.normalize_email(email.strip())
    signup_check_email(email=email)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": ["An account with this email already exists."]})
    candidate = User(email=email, full_name=full_name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    try:
        with transaction.atomic():
            return User.objects.create_user(email=email, password=password, full_name=full_name)
    except IntegrityError:  # a concurrent registration won the unique constraint
        raise ValidationError({"email": ["An account with this email already exists."]}) from None


def user_update(*, user: User, full_name: str) -> User:
    user.full_name = full_name
    user.save(update_fields=["full_name"])
    return user


# --- Login and its throttle -------------------------------------------------


def _email_digest(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _email_generation_key(digest: str) -> str:
    return f"login-fail:gen:{digest}"


def _throttle_keys(email: str, ip: str | None) -> list[tuple[str, int]]:
    """(cache key, limit) of every counter a login attempt falls under.

    The email's counters carry the email's generation, so a password reset
    clears them all (one per client address too) by starting a new one.
    """
    digest = _email_digest(email)
    generation = cache.get(_email_generation_key(digest), "0")
    keys = [(f"login-fail:email:{digest}:{generation}", settings.LOGIN_FAILURES_PER_EMAIL)]
    if ip:
        keys.append((f"login-fail:email-ip:{digest}:{generation}:{ip}", settings.LOGIN_FAILURES_PER_EMAIL_AND_IP))
        keys.append((f"login-fail:ip:{ip}", settings.LOGIN_FAILURES_PER_IP))
    return keys


def login_failures_clear(*, email: str) -> None:
    """Forget the email's failed logins (after a completed password reset)."""
    # Kept without expiry: falling back to the default generation soon after a
    # reset would bring back the counters recorded under it.
    cache.set(_email_generation_key(_email_digest(email)), secrets.token_hex(8), timeout=None)


def user_authenticate(*, email: str, password: str, ip: str | None, request=None) -> User:
    """Check credentials under the failed-login throttle.

    The answer never tells whether the email exists: unknown email and wrong
    password raise the same error (and Django's backend runs the hasher for
    unknown emails too, so timing does not tell either).
    """
    keys = _throttle_keys(email, ip)
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    failures_check(keys, window=window, what="Too many failed login attempts.")
    user = authenticate(request, username=email.strip(), password=password)
    if user is None:
        failure_record([key for key, _ in keys], window=window)
        logger.info("failed login", extra={"client_ip": ip})
        raise InvalidCredentials()
    return user


# --- Tokens -----------------------------------------------------------------


def token_obtain(*, email: str, password: str, ip: str | None, request=None) -> dict:
    user = user_authenticate(email=email, password=password, ip=ip, request=request)
    return token_pair_for_user(user)


@transaction.atomic
def token_refresh(*, refresh_token: str) -> dict:
    token, user = refresh_token_parse(refresh_token)
    refresh_token_blacklist(token)
    return token_pair_for_user(user)


@transaction.atomic
def token_revoke(*, user: User, refresh_token: str) -> None:
    try:
        token, owner = refresh_token_parse(refresh_token)
    except ApplicationError:
        raise ValidationError({"refresh_token": ["The refresh token is invalid or expired."]}) from None
    if owner.pk != user.pk:
        raise ValidationError({"refresh_token": ["The refresh token belongs to another account."]})
    refresh_token_blacklist(token)


def user_tokens_revoke_all(*, user: User) -> None:
    """Every access and refresh token issued to the user so far stops working."""
    User.objects.filter(pk=user.pk).update(token_version=F("token_version") + 1)
    user.refresh_from_db(fields=["token_version"])


# --- Passwords --------------------------------------------------------------


@transaction.atomic
def user_password_set(*, user: User, password: str, field: str = "new_password") -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    user_tokens_revoke_all(user=user)


def user_password_change(*, user: User, current_password: str, new_password: str) -> None:
    if not user.check_password(current_password):
        raise ValidationError({"current_password": ["The current password is incorrect."]})
    user_password_set(user=user, password=new_password)


def password_reset_link(*, user: User, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password-reset-confirm", kwargs={"uidb64": uid, "token": token})
    return f"{settings.SITE_URL or base_url.rstrip('/')}{path}"


def password_reset_request(*, email: str, base_url: str) -> None:
    """Queue the reset email, for every address alike: the worker finds out
    whether it has an account, so the answer reveals nothing, not even by
    its timing."""
    from accounts.tasks import password_reset_email_send
    from omx.mail import enqueue

    transaction.on_commit(lambda: enqueue(password_reset_email_send, email.strip()[:254], base_url))


def password_reset_email(*, email: str, base_url: str) -> None:
    """Email a one-time link to an active account; silently nothing otherwise."""
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    context = {"user": user, "link": password_reset_link(user=user, base_url=base_url),
               "valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60}
    send_mail(
        subject="Reset your omX password",
        message=render_to_string("accounts/email/password_reset.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


def password_reset_user(*, uid: str, token: str) -> User | None:
    try:
        pk = force_str(urlsafe_base64_decode(uid))
        user = User.objects.get(pk=pk, is_active=True)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist, ValidationError):
        return None
    return user if default_token_generator.check_token(user, token) else None


def password_reset_complete(*, user: User, password: str, field: str = "new_password") -> None:
    """Set the password from a reset link; the email's failed logins are forgotten."""
    # Setting the password changes the hash the token is derived from, so the
    # link stops working; the version bump ends every session token.
    user_password_set(user=user, password=password, field=field)
    login_failures_clear(email=user.email)


def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    user = password_reset_user(uid=uid, token=token)
    if user is None:
        raise ValidationError({"token": ["The reset link is invalid or has already been used."]})
    password_reset_complete(user=user, password=new_password)
    return user
