"""The dashboard's HTTP server: loopback only, GET only, every answer with a
strict content security policy.

The standard library's ThreadingHTTPServer is enough: one operator's browser on
the same machine (or through an SSH tunnel), a page a few kilobytes long every
few seconds, and no dependency for the operator machine to install and keep
patched. Nothing it serves is public: every page needs the session cookie that
the printed one-time URL sets (kiosk/operator/dashboard/auth.py).
"""

from __future__ import annotations

import sys
import time
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from kiosk.core.errors import KioskError
from kiosk.operator.dashboard.auth import Gate, Verdict
from kiosk.operator.dashboard.csv_export import csv_filename, statistics_csv
from kiosk.operator.dashboard.live_html import live_error, live_section, live_summary, when
from kiosk.operator.dashboard.pages import error_page, live_page, statistics_page
from kiosk.operator.dashboard.source import Source
from kiosk.operator.dashboard.statistics_html import statistics_body
from kiosk.operator.dashboard.statistics_view import KIND_TITLES, assemble_statistics

__all__ = ["SECURITY_HEADERS", "DashboardServer"]

SECURITY_HEADERS = {
    # Same-origin files only: no inline script or style, nothing from elsewhere.
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}

_STATIC = Path(__file__).parent / "static"
_STATIC_TYPES = {
    "dashboard.css": "text/css; charset=utf-8",
    "live.js": "text/javascript; charset=utf-8",
}
_HTML = "text/html; charset=utf-8"

_NO_SESSION = (
    "Open the dashboard with the URL that `kiosk admin dashboard` printed (it carries a "
    "one-time token), in the browser that will keep using it."
)
_WRONG_LINK = (
    "This token is wrong or was used already: each URL opens the dashboard once. "
    "Use the browser that opened it, or restart `kiosk admin dashboard` for a new URL."
)
_FOREIGN_HOST = "This dashboard answers only as 127.0.0.1 or localhost on its own port."


class DashboardServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, source: Source, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.source = source
        self.gate = Gate(int(self.server_address[1]))

    @property
    def url(self) -> str:
        """The one-time URL to print (it opens the dashboard once)."""
        return self.gate.url()


class _Handler(BaseHTTPRequestHandler):
    server: DashboardServer
    server_version = "kiosk-dashboard"
    sys_version = ""

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: object) -> None:
        pass  # request lines would carry the token; errors go to stderr below

    def do_GET(self) -> None:
        try:
            self._get()
        except Exception as exc:  # a page must not take the server down
            print(f"dashboard: {type(exc).__name__}: {exc}", file=sys.stderr)
            self._send(500, _HTML, error_page("Internal error", "See the dashboard's terminal."))

    def _refuse_method(self) -> None:
        self._send(
            405,
            _HTML,
            error_page("Read-only", "This dashboard answers GET only."),
            {"Allow": "GET"},
        )

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _refuse_method  # noqa: N815

    def _get(self) -> None:
        url = urlsplit(self.path)
        token = parse_qs(url.query).get("token", [None])[0]
        gate = self.server.gate
        verdict = gate.judge(self.headers.get("Host"), self.headers.get("Cookie"), token)
        if verdict is Verdict.FOREIGN_HOST:
            self._send(421, _HTML, error_page("Wrong address", _FOREIGN_HOST))
        elif url.path == "/favicon.ico":
            self._send(204, _HTML, "")  # none: asked by every browser, not worth a 404
        elif url.path.startswith("/static/") and verdict is not Verdict.BAD_TOKEN:
            self._static(url.path.removeprefix("/static/"))  # no secret in them
        elif verdict is Verdict.ENTER:
            cookie = gate.set_cookie(gate.new_session())
            # Always to the bare root: a path from the request could name another site.
            self._send(303, _HTML, "", {"Location": "/", "Set-Cookie": cookie})
        elif verdict is Verdict.BAD_TOKEN:
            self._send(403, _HTML, error_page("This link does not open the dashboard", _WRONG_LINK))
        elif verdict is Verdict.NO_SESSION:
            self._send(401, _HTML, error_page("Open the printed URL", _NO_SESSION))
        else:
            self._route(url.path)

    def _route(self, path: str) -> None:
        source = self.server.source
        if path == "/":
            self._send(200, _HTML, self._live_page())
        elif path == "/live/fragment":
            self._send(200, _HTML, self._live_section()[1])
        elif path == "/statistics":
            self._send(200, _HTML, self._statistics_page())
        elif path.startswith("/statistics/") and path.endswith(".csv"):
            kind = path.removeprefix("/statistics/").removesuffix(".csv")
            if kind not in KIND_TITLES:
                self._send(404, _HTML, error_page("Not found", "No such table."))
                return
            try:
                text = statistics_csv(source.statistics(), kind)
            except KioskError as exc:
                self._send(502, _HTML, error_page("The hub did not answer", str(exc)))
                return
            disposition = f'attachment; filename="{csv_filename(kind)}"'
            self._send(200, "text/csv; charset=utf-8", text, {"Content-Disposition": disposition})
        else:
            self._send(404, _HTML, error_page("Not found", "No such page on this dashboard."))

    def _live_section(self) -> tuple[str, str]:
        """(summary, section)"""
        try:
            view = self.server.source.live()
        except KioskError as exc:
            section = live_error(str(exc), time.time())
            return f"The hub did not answer: {exc}", section
        return live_summary(view), live_section(view)

    def _live_page(self) -> str:
        summary, section = self._live_section()
        return live_page(self.server.source.site().name, summary, section, when(time.time()))

    def _statistics_page(self) -> str:
        source = self.server.source
        site = source.site()
        try:
            report = source.statistics()
        except KioskError as exc:
            body = f'<p class="error">! The hub did not answer: {escape(str(exc))}</p>'
        else:
            body = statistics_body(assemble_statistics(site, report, time.time(), source.zone()))
        return statistics_page(site.name, body)

    def _static(self, name: str) -> None:
        kind = _STATIC_TYPES.get(name)
        if kind is None:
            self._send(404, _HTML, error_page("Not found", "No such file."))
            return
        self._send(200, kind, (_STATIC / name).read_text(encoding="utf-8"))

    def _send(self, status: int, kind: str, text: str, extra: dict[str, str] | None = None) -> None:
        body = text.encode("utf-8")
        self.send_response(status)
        for name, value in {**SECURITY_HEADERS, **(extra or {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
