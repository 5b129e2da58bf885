"""Django's ModelBackend, with the user lookup of every session request taken
from the session's own read (accounts.sessions) or, failing that, run as SQL
compiled once per database connection (omx.sqlcache)."""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.sessions import session_in_use
from omx.sqlcache import CompiledQuery, columns, model_from_row

_user_rows = CompiledQuery(lambda user_id: User.objects.filter(pk=user_id).values(*columns(User)),
                           user_id=User._meta.pk)


class SessionUserBackend(ModelBackend):
    """Logs in like ModelBackend (email and password); `get_user`, which runs
    on every request of a logged-in session, takes the row read with the
    session when it is this user's, and otherwise reads it itself."""

    def get_user(self, user_id):
        read = getattr(session_in_use.get(), "user_read", None)
        if read is not None and str(read.pk) == str(user_id):
            user = read
        else:
            try:
                rows = _user_rows.rows(user_id=user_id)
            except (ValidationError, ValueError, TypeError):  # not a user id at all (a tampered or foreign session)
                return None
            if not rows:
                return None
            user = model_from_row(User, rows[0])
        return user if self.user_can_authenticate(user) else None
