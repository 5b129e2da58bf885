"""The development mailer: prints each message to the console readable as it
would be read, so a link in it can be copied from the terminal.

Django's console mailer prints the wire form, where a line longer than 78
characters (a password-reset link) is quoted-printable and broken with "="
in the middle of the URL. Here text parts are written as 8-bit text, lines
whole, up to the 998 characters SMTP allows.
"""

import email.policy

from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend

READABLE = email.policy.default.clone(max_line_length=998, utf8=True)


class EmailBackend(DjangoConsoleBackend):
    def write_message(self, message):
        msg = message.message(policy=READABLE)
        self.stream.write(msg.as_bytes().decode("utf-8", "replace"))
        self.stream.write("\n" + "-" * 79 + "\n")
