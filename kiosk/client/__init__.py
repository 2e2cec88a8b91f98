"""The small client library both apps use to talk to the hub: `HubClient`
makes signed calls through a `Transport` (HTTPS pinned to the site's CA by
default; `kiosk.client.in_process.AsgiTransport` for tests without a socket)."""

from kiosk.client.device import DeviceConfig
from kiosk.client.event_stream import EventStream
from kiosk.client.heartbeat import Heartbeat
from kiosk.client.hub_client import HubClient
from kiosk.client.transport import HubRequest, HubResponse, TlsTransport, Transport

__all__ = [
    "DeviceConfig",
    "EventStream",
    "Heartbeat",
    "HubClient",
    "HubRequest",
    "HubResponse",
    "TlsTransport",
    "Transport",
]
