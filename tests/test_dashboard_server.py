"""The operator dashboard's HTTP side, on a real loopback socket: who gets in
(the one-time token, the session cookie, the Host header), what every answer
carries, and that it only reads. The figures come from tests/dashboard_fakes.py;
tests/test_dashboard_browser.py runs the same against a real hub."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from kiosk.operator.dashboard import DashboardServer
from kiosk.operator.dashboard.server import SECURITY_HEADERS
from tests.dashboard_fakes import FakeSource, counter, ticket


@pytest.fixture
def served() -> Iterator[tuple[DashboardServer, FakeSource]]:
    source = FakeSource(
        live={"now": 0, "tickets": [ticket("central-p3", 75)], "groups": [], "relays": []},
        statistics={
            "enabled": True,
            "keep_days": 400,
            "counters": [counter("fallback", "2026-W50", "shown", 2)],
        },
    )
    server = DashboardServer(source, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, source
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _get(
    server: DashboardServer, path: str, *, cookie: str = "", host: str = "", method: str = "GET"
) -> http.client.HTTPResponse:
    port = server.server_address[1]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Host": host or f"127.0.0.1:{port}"}
    if cookie:
        headers["Cookie"] = cookie
    conn.request(method, path, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def _enter(server: DashboardServer) -> str:
    """Spend the printed token; the session cookie it sets ("name=value")."""
    url = urlsplit(server.url)
    response = _get(server, f"{url.path}?{url.query}")
    assert response.status == 303
    assert response.getheader("Location") == "/"
    set_cookie = response.getheader("Set-Cookie") or ""
    attributes = [a.strip() for a in set_cookie.split(";")]
    assert {"HttpOnly", "SameSite=Strict", "Path=/"} <= set(attributes)
    return attributes[0]


def test_only_the_printed_url_opens_it_and_only_once(
    served: tuple[DashboardServer, FakeSource],
) -> None:
    server, _ = served
    assert server.server_address[0] == "127.0.0.1"
    assert server.url.startswith(f"http://127.0.0.1:{server.server_address[1]}/?token=")
    assert len(urlsplit(server.url).query.removeprefix("token=")) >= 43  # 32 random bytes
    assert _get(server, "/").status == 401
    assert _get(server, "/statistics/fallback.csv").status == 401
    assert _get(server, "/?token=guess").status == 403
    cookie = _enter(server)
    url = urlsplit(server.url)
    assert _get(server, f"/?{url.query}").status == 403  # spent
    assert _get(server, "/", cookie=cookie).status == 200
    assert _get(server, "/", cookie=cookie.split("=")[0] + "=forged").status == 401
    # localhost is the same machine; another name is a rebinding page's, refused
    # whatever it carries.
    port = server.server_address[1]
    assert _get(server, "/", cookie=cookie, host=f"localhost:{port}").status == 200
    for host in (f"evil.example:{port}", "127.0.0.1", f"127.0.0.1:{port + 1}"):
        assert _get(server, "/", cookie=cookie, host=host).status == 421


def test_every_answer_carries_the_security_headers_and_only_get_is_served(
    served: tuple[DashboardServer, FakeSource],
) -> None:
    server, _ = served
    cookie = _enter(server)
    for path, cookie_sent in (
        ("/", cookie),
        ("/", ""),
        ("/nowhere", cookie),
        ("/static/live.js", ""),
    ):
        response = _get(server, path, cookie=cookie_sent)
        for name, value in SECURITY_HEADERS.items():
            assert response.getheader(name) == value, (path, name)
    assert "frame-ancestors 'none'" in SECURITY_HEADERS["Content-Security-Policy"]
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        response = _get(server, "/", cookie=cookie, method=method)
        assert response.status == 405
        assert response.getheader("Allow") == "GET"
    js = _get(server, "/static/live.js")
    assert js.getheader("Content-Type") == "text/javascript; charset=utf-8"
    assert _get(server, "/static/../server.py").status == 404


def test_csv_downloads_behind_the_cookie(served: tuple[DashboardServer, FakeSource]) -> None:
    server, _ = served
    cookie = _enter(server)
    port = server.server_address[1]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(
        "GET", "/statistics/fallback.csv", headers={"Host": f"127.0.0.1:{port}", "Cookie": cookie}
    )
    response = conn.getresponse()
    body = response.read().decode()
    conn.close()
    assert response.status == 200
    assert response.getheader("Content-Type") == "text/csv; charset=utf-8"
    assert "attachment" in (response.getheader("Content-Disposition") or "")
    assert body == "week,fallback,count\r\n2026-W50,fallback shown,fewer than 5\r\n"
    assert _get(server, "/statistics/nothing.csv", cookie=cookie).status == 404


def test_a_hub_that_does_not_answer_is_said_on_the_page(
    served: tuple[DashboardServer, FakeSource],
) -> None:
    server, source = served
    cookie = _enter(server)
    source.unreachable = True
    port = server.server_address[1]
    for path in ("/", "/live/fragment", "/statistics"):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", path, headers={"Host": f"127.0.0.1:{port}", "Cookie": cookie})
        response = conn.getresponse()
        text = response.read().decode()
        conn.close()
        assert response.status == 200
        assert "The hub did not answer: cannot reach the hub" in text
    assert _get(server, "/statistics/outcome.csv", cookie=cookie).status == 502


def test_the_token_leads_to_the_bare_root_whatever_the_path(
    served: tuple[DashboardServer, FakeSource],
) -> None:
    """Never back to a path from the request: "/\\evil.example" is another site to
    some browsers (an open redirect)."""
    server, _ = served
    response = _get(server, "/\\evil.example/?" + urlsplit(server.url).query)
    assert response.status == 303
    assert response.getheader("Location") == "/"
