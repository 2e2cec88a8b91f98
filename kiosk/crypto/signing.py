"""Request signatures: every call to the hub is signed with the device's identity key.

Signed fields: method, path with query, timestamp, a random nonce and the
SHA-256 of the body. The hub checks the clock window and refuses a nonce it has
seen, so a captured request cannot be replayed. Signatures (rather than TLS
client certificates) survive a TLS-terminating load balancer in front of
several hubs.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.core.errors import BadSignature
from kiosk.crypto.keys import DeviceKeys, SiteKey

__all__ = [
    "ADMIN_PURPOSE",
    "ENROLMENT_PURPOSE",
    "REQUEST_PURPOSE",
    "SIGNATURE_LENGTH",
    "SignedHeaders",
    "request_message",
    "sign_admin_request",
    "sign_enrolment",
    "sign_reply",
    "sign_request",
    "sign_ticket",
    "verify_admin_request",
    "verify_enrolment",
    "verify_reply",
    "verify_request",
    "verify_signature",
    "verify_ticket",
]

REQUEST_PURPOSE = b"kiosk/request/v1"

# Kiosk-Device, Kiosk-Timestamp, Kiosk-Nonce and Kiosk-Signature.
SignedHeaders = dict[str, str]


def request_message(
    method: str,
    path: str,
    timestamp: str,
    nonce: str,
    body: bytes,
    purpose: bytes = REQUEST_PURPOSE,
) -> bytes:
    return b"\n".join(
        [
            purpose,
            method.upper().encode(),
            path.encode(),
            timestamp.encode(),
            nonce.encode(),
            hashlib.sha256(body).hexdigest().encode(),
        ]
    )


def sign_request(
    keys: DeviceKeys, device_id: str, method: str, path: str, body: bytes
) -> SignedHeaders:
    timestamp = str(int(time.time()))
    nonce = secrets.token_urlsafe(16)
    signature = keys.sign(request_message(method, path, timestamp, nonce, body))
    return {
        "Kiosk-Device": device_id,
        "Kiosk-Timestamp": timestamp,
        "Kiosk-Nonce": nonce,
        "Kiosk-Signature": base64.b64encode(signature).decode(),
    }


def verify_request(sign_public: bytes, message: bytes, signature_b64: str) -> None:
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        ed25519.Ed25519PublicKey.from_public_bytes(sign_public).verify(signature, message)
    except (InvalidSignature, ValueError):
        raise BadSignature("request signature does not verify") from None


# The operator's calls to the hub's admin API, signed with the site key: a purpose
# of their own, so no device request or manifest signature can pass for one.
ADMIN_PURPOSE = b"kiosk/admin-request/v1"


def sign_admin_request(site_key: SiteKey, method: str, path: str, body: bytes) -> SignedHeaders:
    timestamp = str(int(time.time()))
    nonce = secrets.token_urlsafe(16)
    message = request_message(method, path, timestamp, nonce, body, ADMIN_PURPOSE)
    return {
        "Kiosk-Admin-Timestamp": timestamp,
        "Kiosk-Admin-Nonce": nonce,
        "Kiosk-Admin-Signature": base64.b64encode(site_key.sign(message)).decode(),
    }


def verify_admin_request(
    site_public: bytes, method: str, path: str, timestamp: str, nonce: str, body: bytes, sig: str
) -> None:
    message = request_message(method, path, timestamp, nonce, body, ADMIN_PURPOSE)
    try:
        signature = base64.b64decode(sig, validate=True)
        ed25519.Ed25519PublicKey.from_public_bytes(site_public).verify(signature, message)
    except (InvalidSignature, ValueError):
        raise BadSignature("admin request signature does not verify") from None


ENROLMENT_PURPOSE = b"kiosk/enrol/v1\x00"


def sign_enrolment(keys: DeviceKeys, code: str) -> bytes:
    """Proof that the enrolling device holds the identity key it presents, bound to its code."""
    return keys.sign(ENROLMENT_PURPOSE + code.encode() + b"\x00" + keys.hpke_public)


def verify_enrolment(sign_public: bytes, code: str, hpke_public: bytes, proof: bytes) -> None:
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(sign_public).verify(
            proof, ENROLMENT_PURPOSE + code.encode() + b"\x00" + hpke_public
        )
    except (InvalidSignature, ValueError):
        raise BadSignature("enrolment proof does not verify") from None


TICKET_SIGNATURE_PURPOSE = b"kiosk/ticket-signature/v1\x00"
SIGNATURE_LENGTH = 64


def sign_ticket(keys: DeviceKeys, kiosk_id: str, binding: bytes, body: bytes) -> bytes:
    """The kiosk's signature over what it sends, sealed together with the body.

    Staff check it against the kiosk's key in the signed manifest: the hub,
    which holds every staff public key, could otherwise seal a body of its own.
    """
    return keys.sign(_ticket_message(kiosk_id, binding, body))


def verify_ticket(
    kiosk_public: bytes, kiosk_id: str, binding: bytes, body: bytes, signature: bytes
) -> None:
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(kiosk_public).verify(
            signature, _ticket_message(kiosk_id, binding, body)
        )
    except (InvalidSignature, ValueError):
        raise BadSignature("this request was not signed by the kiosk it names") from None


def _ticket_message(kiosk_id: str, binding: bytes, body: bytes) -> bytes:
    return b"\x00".join([TICKET_SIGNATURE_PURPOSE, kiosk_id.encode(), binding, body])


REPLY_SIGNATURE_PURPOSE = b"kiosk/reply-signature/v1\x00"


def sign_reply(keys: DeviceKeys, staff_id: str, binding: bytes, body: bytes) -> bytes:
    """A staff console's signature over its reply, sealed with it: the hub holds
    the kiosk's public key and could otherwise seal a reply of its own."""
    return keys.sign(b"\x00".join([REPLY_SIGNATURE_PURPOSE, staff_id.encode(), binding, body]))


def verify_reply(
    staff_public: bytes, staff_id: str, binding: bytes, body: bytes, signature: bytes
) -> None:
    message = b"\x00".join([REPLY_SIGNATURE_PURPOSE, staff_id.encode(), binding, body])
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(staff_public).verify(signature, message)
    except (InvalidSignature, ValueError):
        raise BadSignature("this reply was not signed by the staff device it names") from None


def verify_signature(public: bytes, message: bytes, signature: bytes) -> None:
    """A plain Ed25519 check, for messages that carry their own purpose string."""
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (InvalidSignature, ValueError):
        raise BadSignature("signature does not verify") from None
