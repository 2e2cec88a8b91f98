"""`kiosk admin dashboard`: the operator's read-only web view of the fleet and
of the statistics that identify nobody, served on loopback.

server.py (HTTP, headers) · auth.py (one-time token, session cookie, Host check)
· source.py (the hub's admin API and the operator's site record) · live.py and
live_html.py (the live view) · statistics_view.py, statistics_html.py, charts.py
and csv_export.py (the statistics) · pages.py (the page shell) · static/ (the
style sheet and the live view's script).
"""

from __future__ import annotations

from kiosk.operator.dashboard.server import DashboardServer
from kiosk.operator.dashboard.source import HubSource, Source

__all__ = ["DashboardServer", "HubSource", "Source"]
