"""Who may read the dashboard: the browser that opened the printed URL first.

As Jupyter does, the command prints a URL with a random one-time token. The
first request that carries it gets a session cookie (HttpOnly, SameSite=Strict)
and is sent on to the bare page; the token is then spent, so a URL left in a
terminal's scroll-back or a shell history opens nothing later. Every other
request needs that cookie.

The Host header must name the loopback address and this port: a page on another
origin whose name a hostile DNS server points at 127.0.0.1 (DNS rebinding)
sends its own name, and is refused before anything is read.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass
from enum import Enum
from http.cookies import CookieError, SimpleCookie

__all__ = ["Gate", "Verdict"]


class Verdict(Enum):
    ALLOWED = "allowed"  # a valid session cookie
    ENTER = "enter"  # the one-time token: set the cookie, redirect to the bare URL
    NO_SESSION = "no_session"  # 401: neither cookie nor token
    BAD_TOKEN = "bad_token"  # noqa: S105 - a verdict, not a secret (403: wrong or spent token)
    FOREIGN_HOST = "foreign_host"  # 421: a Host header that is not this server


@dataclass
class Gate:
    port: int
    token: str = ""
    _spent: bool = False

    def __post_init__(self) -> None:
        self.token = self.token or secrets.token_urlsafe(32)
        self._sessions: set[str] = set()
        self._lock = threading.Lock()

    @property
    def cookie_name(self) -> str:
        # Cookies do not keep ports apart: two dashboards on one machine keep theirs.
        return f"kiosk_dashboard_{self.port}"

    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/?token={self.token}"

    def host_allowed(self, host: str | None) -> bool:
        return host in (f"127.0.0.1:{self.port}", f"localhost:{self.port}")

    def judge(self, host: str | None, cookie_header: str | None, token: str | None) -> Verdict:
        if not self.host_allowed(host):
            return Verdict.FOREIGN_HOST
        if token is not None:
            return Verdict.ENTER if self._spend(token) else Verdict.BAD_TOKEN
        return Verdict.ALLOWED if self._has_session(cookie_header) else Verdict.NO_SESSION

    def new_session(self) -> str:
        """A session id for the browser that just spent the token."""
        session = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions.add(session)
        return session

    def set_cookie(self, session: str) -> str:
        # No Max-Age: the cookie ends with the browser; the sessions with this server.
        return f"{self.cookie_name}={session}; HttpOnly; SameSite=Strict; Path=/"

    def _spend(self, token: str) -> bool:
        with self._lock:
            if self._spent or not hmac.compare_digest(token.encode(), self.token.encode()):
                return False
            self._spent = True
            return True

    def _has_session(self, cookie_header: str | None) -> bool:
        if not cookie_header:
            return False
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(cookie_header)
        except CookieError:
            return False
        morsel = jar.get(self.cookie_name)
        if morsel is None:
            return False
        with self._lock:
            return any(hmac.compare_digest(morsel.value, s) for s in self._sessions)
