"""Tables of the hub. Only ciphertext and routing metadata; never a ticket's content."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Base",
    "DevicePresenceRow",
    "EnrolmentRow",
    "EpochKeyRow",
    "ManifestRow",
    "ReplyRow",
    "SealedCopyRow",
    "SeenNonceRow",
    "StaffDutyRow",
    "StatisticCounterRow",
    "TicketRow",
]


class Base(DeclarativeBase):
    pass


class ManifestRow(Base):
    __tablename__ = "manifests"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    signed_document: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)


class TicketRow(Base):
    __tablename__ = "tickets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64), index=True)
    location_id: Mapped[str] = mapped_column(String(64), index=True)
    category: Mapped[str] = mapped_column(String(32))
    urgency: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[float] = mapped_column(Float, index=True)
    updated_at: Mapped[float] = mapped_column(Float)
    accepted_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    eta_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    accepted_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    handed_to: Mapped[str | None] = mapped_column(String(64), nullable=True)


class SealedCopyRow(Base):
    """One HPKE-sealed copy of a ticket body, readable only by `recipient_id`."""

    __tablename__ = "sealed_copies"

    ticket_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    recipient_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class ReplyRow(Base):
    """A staff reply, HPKE-sealed to the kiosk of its ticket; kept until the ticket
    is purged so a kiosk that reconnects still gets it, and deleted with it."""

    __tablename__ = "replies"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[float] = mapped_column(Float)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class EnrolmentRow(Base):
    """A one-time enrolment code (stored hashed) and, once used, the device's public keys.

    The operator publishes used enrolments into the next signed manifest and
    the rows are deleted: the hub never decides who may read tickets.
    """

    __tablename__ = "enrolments"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    location_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    group_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    expires_at: Mapped[float] = mapped_column(Float)
    used_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    sign_public: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    hpke_public: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # The operator signs role and place when issuing the code: the hub cannot change them.
    intent_signature: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class SeenNonceRow(Base):
    """Request nonces already used, shared by every hub on one database (replay
    protection behind a load balancer); rows live only for the clock window."""

    __tablename__ = "seen_nonces"

    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class DevicePresenceRow(Base):
    """A device's last heartbeat: liveness only, nothing a traveller did."""

    __tablename__ = "device_presence"

    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seen: Mapped[float] = mapped_column(Float)
    version: Mapped[str] = mapped_column(String(32))
    manifest_version: Mapped[int] = mapped_column(Integer)
    offline: Mapped[bool] = mapped_column(Boolean)


class EpochKeyRow(Base):
    """A staff console's short-lived public receiving key, signed by its identity key.

    Public data only (the private half never leaves the console's memory); kept
    per device for its current and next epoch, and pruned once expired.
    """

    __tablename__ = "epoch_keys"

    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    epoch_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    not_before: Mapped[int] = mapped_column(Integer)
    not_after: Mapped[int] = mapped_column(Integer, index=True)
    public: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class StaffDutyRow(Base):
    """A staff device that went off duty (a device without a row is on duty):
    it still sees its inbox but is never alerted, and escalation skips a
    group with nobody on duty. Holds no ticket data."""

    __tablename__ = "staff_duty"

    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    on_duty: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[float] = mapped_column(Float)


class StatisticCounterRow(Base):
    """A count of closed requests under a coarse key (kiosk/core/statistics.py):
    a station and a day, or a category, outcome or bucket and an ISO week. No
    request id and no exact time; written only when a request is purged."""

    __tablename__ = "statistic_counters"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
