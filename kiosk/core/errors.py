"""The product's exception tree, one class per failure.

KioskError
├── IllegalTransition      a ticket event not allowed in the ticket's state
├── InvalidTicketBody      a decrypted or submitted body that does not parse
│   └── UnknownPhrase      a phrase id that is not in the catalogue
├── SiteError              a site manifest that is malformed or inconsistent
├── CryptoError            sealing, opening or signature failures (kiosk.crypto)
│   ├── BadSignature
│   └── CannotOpen
└── HubError               the hub refused or could not be reached (kiosk.client)
    ├── HubUnreachable
    └── HubRefused
"""

from __future__ import annotations

__all__ = [
    "BadSignature",
    "CannotOpen",
    "CryptoError",
    "HubError",
    "HubRefused",
    "HubUnreachable",
    "IllegalTransition",
    "InvalidTicketBody",
    "KioskError",
    "SiteError",
    "UnknownPhrase",
]


class KioskError(Exception):
    """Base of every error this product raises on purpose."""


class IllegalTransition(KioskError):
    """A ticket event that its current state does not allow."""


class InvalidTicketBody(KioskError):
    """A ticket body that is not what the protocol defines."""


class UnknownPhrase(InvalidTicketBody):
    """A detail or reply phrase id that is not in the phrase catalogue."""


class SiteError(KioskError):
    """A site manifest that is malformed or refers to things that do not exist."""


class CryptoError(KioskError):
    """Something failed in sealing, opening or signing."""


class BadSignature(CryptoError):
    """A signature did not verify, or was made by a key we do not trust."""


class CannotOpen(CryptoError):
    """A sealed ticket could not be opened with our key (not for us, or tampered)."""


class HubError(KioskError):
    """The hub could not be used."""


class HubUnreachable(HubError):
    """No answer from the hub (network down, hub stopped, TLS failure)."""


class HubRefused(HubError):
    """The hub answered with an error; `status` and `code` say which."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
