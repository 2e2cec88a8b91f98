"""The small client library both apps use to talk to the hub (on `requests`)."""

from kiosk.client.device import DeviceConfig
from kiosk.client.event_stream import EventStream
from kiosk.client.heartbeat import Heartbeat
from kiosk.client.hub_client import HubClient

__all__ = ["DeviceConfig", "EventStream", "Heartbeat", "HubClient"]
