"""Email leaves in the background: a request queues it once its transaction
commits, and a worker (`manage.py db_worker`) sends it. A request then takes
the same time whether or not a message goes out, and a slow mail server
slows nobody down.

A queued message waits in the database as a task row. Its body may hold a
secret (an invitation link), so it is sealed: encrypted with a key derived
from SECRET_KEY, readable only by omX.
"""

import base64
import json
import logging

from cryptography.fernet import Fernet, InvalidToken
from django.core.mail import send_mail
from django.db import transaction
from django.tasks import task
from django.utils.crypto import salted_hmac

logger = logging.getLogger("omx.mail")


def _fernet() -> Fernet:
    key = salted_hmac("omx.mail", "queued mail", algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(key))


def mail_later(*, subject: str, body: str, to: list[str]) -> None:
    """Queue a plain-text email for after the current transaction commits."""
    sealed = _fernet().encrypt(json.dumps({"subject": subject, "body": body, "to": to}).encode()).decode()
    transaction.on_commit(lambda: enqueue(mail_send, sealed))


def enqueue(task_, *args, **kwargs) -> None:
    """Queue a task; if the queue cannot take it, log it rather than fail a
    request whose own work has already committed."""
    try:
        task_.enqueue(*args, **kwargs)
    except Exception:
        logger.exception("could not queue %s", task_.name)


@task()
def mail_send(sealed: str) -> None:
    try:
        message = json.loads(_fernet().decrypt(sealed.encode()))
    except InvalidToken:
        logger.error("a queued email could not be opened (SECRET_KEY changed since it was queued?)")
        return
    send_mail(subject=message["subject"], message=message["body"], from_email=None,
              recipient_list=message["to"])
