"""The only package that imports `cryptography`. A tiny typed API:

- keys:     DeviceKeys (identity + HPKE receiving key), SiteKey (operator signing key)
- sealing:  seal_ticket / open_ticket, seal_reply / open_reply (HPKE, RFC 9180)
- signing:  sign_request / verify_request (Ed25519 request signatures), sign_ticket,
            sign_reply (what kiosks and staff seal, so a hub cannot forge it)
- epoch:    EphemeralKey (short-lived, memory-only receiving keys), sign_epoch_key /
            verify_epoch_key (a console vouches for its epoch key)
- manifest: sign_manifest / verify_manifest (operator-signed site manifest)
- tls:      create_site_ca / issue_server_certificate
"""

from kiosk.crypto.epoch import EphemeralKey, key_id_of, sign_epoch_key, verify_epoch_key
from kiosk.crypto.keys import DeviceKeys, SiteKey, fingerprint, write_private_file
from kiosk.crypto.manifest import manifest_digest, sign_manifest, verify_manifest
from kiosk.crypto.sealing import open_reply, open_ticket, seal_reply, seal_ticket, sealed_key_id
from kiosk.crypto.signing import (
    SignedHeaders,
    sign_admin_request,
    sign_enrolment,
    sign_reply,
    sign_request,
    sign_ticket,
    verify_admin_request,
    verify_enrolment,
    verify_reply,
    verify_request,
    verify_signature,
    verify_ticket,
)
from kiosk.crypto.tls import certificate_sha256, create_site_ca, issue_server_certificate

__all__ = [
    "DeviceKeys",
    "EphemeralKey",
    "SignedHeaders",
    "SiteKey",
    "certificate_sha256",
    "create_site_ca",
    "fingerprint",
    "issue_server_certificate",
    "key_id_of",
    "manifest_digest",
    "open_reply",
    "open_ticket",
    "seal_reply",
    "seal_ticket",
    "sealed_key_id",
    "sign_admin_request",
    "sign_enrolment",
    "sign_epoch_key",
    "sign_manifest",
    "sign_reply",
    "sign_request",
    "sign_ticket",
    "verify_admin_request",
    "verify_enrolment",
    "verify_epoch_key",
    "verify_manifest",
    "verify_reply",
    "verify_request",
    "verify_signature",
    "verify_ticket",
    "write_private_file",
]
