"""The routing hub: authenticates devices, stores ciphertext and routing metadata, pushes events."""

from kiosk.hub.app import create_hub
from kiosk.hub.settings import HubSettings

__all__ = ["HubSettings", "create_hub"]
