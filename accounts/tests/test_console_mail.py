"""Development mail (`make run` prints it): a password-reset link must be
copyable from the terminal, whole, on one line."""

import io
import os
import subprocess
import sys

import pytest
from django.core.mail import send_mail
from django.template.loader import render_to_string

from accounts.services import password_reset_link

pytestmark = pytest.mark.django_db


def test_console_mail_prints_the_reset_link_whole_on_one_line(settings, make_user):
    stream = io.StringIO()
    settings.MAILERS = {"default": {"BACKEND": "omx.console_mail.EmailBackend", "OPTIONS": {"stream": stream}}}
    user = make_user(email="ünïcode.person@example.com", full_name="Zoë Example")
    link = password_reset_link(user=user, base_url="http://127.0.0.1:8123")
    assert len(link) > 78  # long enough that quoted-printable would have broken it
    body = render_to_string("accounts/email/password_reset.txt",
                            {"user": user, "link": link, "valid_minutes": 60})
    send_mail(subject="Reset your omX password", message=body, from_email=None, recipient_list=[user.email])
    printed = stream.getvalue()
    assert link in printed.splitlines()
    assert "Content-Transfer-Encoding: 8bit" in printed and "=\n" not in printed
    assert "Hello Zoë Example," in printed  # text as written, not encoded


def test_development_settings_use_the_readable_console_mailer():
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.MAILERS['default']['BACKEND'])")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "omx.settings", "DEBUG": "true", "EMAIL_URL": "consolemail://"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "omx.console_mail.EmailBackend"
