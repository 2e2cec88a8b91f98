"""The only package that imports `cryptography`. A tiny typed API:

- keys:     DeviceKeys (identity + HPKE receiving key), SiteKey (operator signing key)
- sealing:  seal_ticket / open_ticket, seal_reply / open_reply (HPKE, RFC 9180)
- signing:  sign_request / verify_request (Ed25519 request signatures), sign_ticket,
            sign_reply (what kiosks and staff seal, so a hub cannot forge it)
- manifest: sign_manifest / verify_manifest (operator-signed site manifest)
- tls:      create_site_ca / issue_server_certificate
"""

from kiosk.crypto.keys import DeviceKeys, SiteKey, fingerprint, write_private_file
from kiosk.crypto.manifest import sign_manifest, verify_manifest
from kiosk.crypto.sealing import open_reply, open_ticket, seal_reply, seal_ticket
from kiosk.crypto.signing import (
    SignedHeaders,
    sign_enrolment,
    sign_reply,
    sign_request,
    sign_ticket,
    verify_enrolment,
    verify_reply,
    verify_request,
    verify_signature,
    verify_ticket,
)
from kiosk.crypto.tls import certificate_sha256, create_site_ca, issue_server_certificate

__all__ = [
    "DeviceKeys",
    "SignedHeaders",
    "SiteKey",
    "certificate_sha256",
    "create_site_ca",
    "fingerprint",
    "issue_server_certificate",
    "open_reply",
    "open_ticket",
    "seal_reply",
    "seal_ticket",
    "sign_enrolment",
    "sign_manifest",
    "sign_reply",
    "sign_request",
    "sign_ticket",
    "verify_enrolment",
    "verify_manifest",
    "verify_reply",
    "verify_request",
    "verify_signature",
    "verify_ticket",
    "write_private_file",
]
