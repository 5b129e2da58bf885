"""Database sessions (Django's), with the read that every page request makes
run as SQL compiled once per database connection (omx.sqlcache): building
that query through the ORM cost as much as running it. SESSION_ENGINE names
this module."""

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from omx.sqlcache import CompiledQuery

_unexpired = CompiledQuery(
    lambda session_key, now: Session.objects.filter(session_key=session_key, expire_date__gt=now).values(
        "session_data", "expire_date"),
    session_key=Session._meta.get_field("session_key"), now=Session._meta.get_field("expire_date"),
)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        rows = _unexpired.rows(session_key=self.session_key, now=timezone.now())
        if not rows:
            self._session_key = None  # as Django's: an unknown or expired key starts a new session
            return None
        return self.model(session_key=self.session_key, **rows[0])
