"""The product's exception tree, one class per failure.

KioskError
├── IllegalTransition      a ticket event not allowed in the ticket's state
├── InvalidTicketBody      a decrypted or submitted body that does not parse
│   └── UnknownPhrase      a phrase id that is not in the catalogue
├── SiteError              a site manifest that is malformed or inconsistent
│   └── ManifestExpired    past the validity the operator signed: seal nothing to it
├── CryptoError            sealing, opening or signature failures (kiosk.crypto)
│   ├── BadSignature
│   └── CannotOpen
│       └── DowngradedSeal   sealed to a long-term key where an epoch key was due
├── MalformedAnnouncement  a hub-to-hub NOTIFY this version cannot read
│                         (defined in kiosk.core.announcements)
└── HubError               the hub refused or could not be reached (kiosk.client)
    ├── HubUnreachable
    └── HubRefused
"""

from __future__ import annotations

__all__ = [
    "BadSignature",
    "CannotOpen",
    "CryptoError",
    "DowngradedSeal",
    "HubError",
    "HubRefused",
    "HubUnreachable",
    "IllegalTransition",
    "InvalidTicketBody",
    "KioskError",
    "ManifestExpired",
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


class ManifestExpired(SiteError):
    """The newest manifest's signed validity has ended: its readers may be stale (a
    hub that keeps serving an old manifest could keep a revoked reader in it)."""


class CryptoError(KioskError):
    """Something failed in sealing, opening or signing."""


class BadSignature(CryptoError):
    """A signature did not verify, or was made by a key we do not trust."""


class CannotOpen(CryptoError):
    """A sealed ticket could not be opened with our key (not for us, or tampered)."""


class DowngradedSeal(CannotOpen):
    """A copy sealed to a console's long-term key after it had published an epoch key."""


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
