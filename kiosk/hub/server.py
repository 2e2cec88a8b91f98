"""Runs the hub under uvicorn with TLS on the configured address."""

from __future__ import annotations

import logging

import uvicorn

from kiosk.hub.app import create_hub
from kiosk.hub.settings import HubSettings

__all__ = ["configure_logging", "serve"]


def configure_logging(level: int = logging.INFO) -> None:
    # To stderr only (the journal under systemd); no log files of our own.
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")


def serve(settings: HubSettings) -> None:
    configure_logging()
    config = uvicorn.Config(
        create_hub(settings),
        host=settings.host,
        port=settings.port,
        ssl_certfile=str(settings.tls_cert),
        ssl_keyfile=str(settings.tls_key),
        # uvicorn's access log would write every URL, ticket ids included.
        access_log=False,
        log_config=None,
        # Open event streams never end by themselves; do not wait long for them.
        timeout_graceful_shutdown=2,
    )
    uvicorn.Server(config).run()
