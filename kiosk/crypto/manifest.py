"""The operator-signed site manifest.

Devices pin the site's public key at enrolment and accept only manifests it
signed, with a version no older than the last one they saw: a hub cannot add
a reader, nor roll back to a manifest that still lists a revoked device.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.core.errors import BadSignature, SiteError
from kiosk.crypto.keys import SiteKey

__all__ = [
    "MANIFEST_PURPOSE",
    "canonical_json",
    "manifest_digest",
    "sign_manifest",
    "verify_manifest",
]

MANIFEST_PURPOSE = b"kiosk/manifest/v1\x00"


def canonical_json(doc: Any) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def manifest_digest(signed: Any) -> str:
    """SHA-256 of what the operator signed: tells two manifests of one version apart."""
    inner = signed.get("manifest") if isinstance(signed, dict) else None
    return hashlib.sha256(canonical_json(inner)).hexdigest()


def sign_manifest(site_key: SiteKey, manifest: dict[str, Any]) -> dict[str, Any]:
    signature = site_key.sign(MANIFEST_PURPOSE + canonical_json(manifest))
    return {"manifest": manifest, "signature": base64.b64encode(signature).decode()}


def verify_manifest(signed: Any, site_public: bytes, min_version: int = 0) -> dict[str, Any]:
    """The manifest inside `signed`, if the site key signed it and it is not a rollback."""
    if not isinstance(signed, dict) or not isinstance(signed.get("manifest"), dict):
        raise SiteError("signed manifest is malformed")
    manifest: dict[str, Any] = signed["manifest"]
    try:
        signature = base64.b64decode(str(signed.get("signature", "")), validate=True)
        ed25519.Ed25519PublicKey.from_public_bytes(site_public).verify(
            signature, MANIFEST_PURPOSE + canonical_json(manifest)
        )
    except (InvalidSignature, ValueError):
        raise BadSignature("site manifest is not signed by this site's key") from None
    version = manifest.get("version")
    if not isinstance(version, int) or version < min_version:
        raise BadSignature(f"site manifest version {version} is older than {min_version}")
    return manifest
