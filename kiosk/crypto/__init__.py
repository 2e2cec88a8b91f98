"""The only package that imports `cryptography`. A tiny typed API:

- keys:     DeviceKeys (identity + HPKE receiving key), SiteKey (operator signing key)
- sealing:  seal_ticket / open_ticket (HPKE, RFC 9180)
- signing:  sign_request / verify_request (Ed25519 request signatures)
- manifest: sign_manifest / verify_manifest (operator-signed site manifest)
- tls:      create_site_ca / issue_server_certificate
"""

from kiosk.crypto.keys import DeviceKeys, SiteKey, write_private_file
from kiosk.crypto.manifest import sign_manifest, verify_manifest
from kiosk.crypto.sealing import SUITE_NAME, open_ticket, seal_ticket
from kiosk.crypto.signing import SignedHeaders, sign_request, verify_request
from kiosk.crypto.tls import create_site_ca, issue_server_certificate

__all__ = [
    "SUITE_NAME",
    "DeviceKeys",
    "SignedHeaders",
    "SiteKey",
    "create_site_ca",
    "issue_server_certificate",
    "open_ticket",
    "seal_ticket",
    "sign_manifest",
    "sign_request",
    "verify_manifest",
    "verify_request",
    "write_private_file",
]
