"""TLS to the hub: one context per device, trusting the site's CA and nothing else.

requests builds a new SSL context, and re-reads the CA file, for every new
connection when `verify` names a file; a kiosk reconnects after every idle
gap, so that cost came back again and again. Here the context is built once.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

from requests.adapters import HTTPAdapter
from requests.models import PreparedRequest

__all__ = ["PinnedTlsAdapter"]


class PinnedTlsAdapter(HTTPAdapter):
    def __init__(self, ca_file: Path) -> None:
        # Certificate and host name are both checked (create_default_context).
        self.context = ssl.create_default_context(cafile=str(ca_file))
        super().__init__()

    def build_connection_pool_key_attributes(
        self, request: PreparedRequest, verify: Any, cert: Any = None
    ) -> Any:  # typeshed names private types here
        host_params, _ = super().build_connection_pool_key_attributes(request, verify, cert)
        return host_params, {"ssl_context": self.context, "cert_reqs": "CERT_REQUIRED"}

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        # Not requests' default bundle and no file to load: the pinned context decides.
        conn.cert_reqs = "CERT_REQUIRED"
        conn.ca_certs = conn.ca_cert_dir = None
