"""Database sessions with Django's rules, whose row also names the session's
user (accounts.models.Session.user), so that the read every page request
makes gets the session and its user in one query, its SQL compiled once per
database connection (omx.sqlcache). SESSION_ENGINE names this module.

The user row read with a session is `SessionStore.user_read`; while Django's
auth.get_user runs for a request, `session_in_use` holds that request's
session (accounts.middleware), and the login backend takes the row from it
(accounts.backends) instead of reading it again."""

from contextvars import ContextVar

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import db
from django.utils import timezone

from accounts.models import Session, User
from omx.ids import as_uuid
from omx.sqlcache import CompiledQuery, columns, model_from_row

USER = "user__"
session_in_use: ContextVar["SessionStore | None"] = ContextVar("session_in_use", default=None)

_unexpired = CompiledQuery(
    lambda session_key, now: Session.objects.filter(session_key=session_key, expire_date__gt=now).values(
        "session_data", "expire_date", *(USER + column for column in columns(User))),
    session_key=Session._meta.get_field("session_key"), now=Session._meta.get_field("expire_date"),
)


class SessionStore(db.SessionStore):
    user_read: User | None = None  # the row the session's column named, as read with it

    @classmethod
    def get_model_class(cls):
        return Session

    def create_model_instance(self, data):
        """The row to save: Django's, and the user the data names (a value
        that is no user id names nobody)."""
        instance = super().create_model_instance(data)
        instance.user_id = as_uuid(data.get(SESSION_KEY))
        return instance

    def _get_session_from_db(self):
        self.user_read = None
        rows = _unexpired.rows(session_key=self.session_key, now=timezone.now())
        if not rows:
            self._session_key = None  # as Django's: an unknown or expired key starts a new session
            return None
        row = rows[0]
        if row[USER + "id"] is not None:
            self.user_read = model_from_row(User, row, USER)
        return self.model(session_key=self.session_key, session_data=row["session_data"],
                          expire_date=row["expire_date"])

    def cycle_key(self):
        self.user_read = None  # a login in this request: the next read is the backend's own
        super().cycle_key()

    def flush(self):
        self.user_read = None
        super().flush()
