"""Background tasks of accounts (run by `manage.py db_worker`)."""

from django.tasks import task


@task()
def password_reset_email_send(email: str, base_url: str) -> None:
    # The lookup happens here, not in the request: answering takes the same
    # time whether or not the address has an account.
    from accounts.services import password_reset_email

    password_reset_email(email=email, base_url=base_url)
