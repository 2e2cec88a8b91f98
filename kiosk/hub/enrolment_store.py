"""Storage of one-time enrolment codes (hashed) and the keys devices present with them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from kiosk.core.errors import KioskError
from kiosk.hub.models import EnrolmentRow

__all__ = ["Enrolment", "EnrolmentRefused", "EnrolmentStore"]


class EnrolmentRefused(KioskError):
    """A code that is unknown, expired or already used; `reason` says which."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _expired() -> EnrolmentRefused:
    return EnrolmentRefused("code_expired", "this enrolment code has expired")


@dataclass(frozen=True)
class Enrolment:
    device_id: str
    role: str
    location_id: str | None
    group_id: str | None
    expires_at: float
    used: bool
    sign_public: bytes | None
    hpke_public: bytes | None
    code_hash: str = ""
    intent_signature: bytes | None = None


def _to_enrolment(row: EnrolmentRow) -> Enrolment:
    return Enrolment(
        device_id=row.device_id,
        role=row.role,
        location_id=row.location_id,
        group_id=row.group_id,
        expires_at=row.expires_at,
        used=row.used_at is not None,
        sign_public=row.sign_public,
        hpke_public=row.hpke_public,
        code_hash=row.code_hash,
        intent_signature=row.intent_signature,
    )


class EnrolmentStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def create(
        self,
        code_hash: str,
        device_id: str,
        role: str,
        expires_at: float,
        *,
        location_id: str | None = None,
        group_id: str | None = None,
        intent_signature: bytes | None = None,
    ) -> None:
        try:
            with self._sessions.begin() as s:
                s.add(
                    EnrolmentRow(
                        code_hash=code_hash,
                        device_id=device_id,
                        role=role,
                        location_id=location_id,
                        group_id=group_id,
                        expires_at=expires_at,
                        intent_signature=intent_signature,
                    )
                )
        except IntegrityError:
            raise EnrolmentRefused(
                "duplicate", f"an enrolment for {device_id} is already waiting"
            ) from None

    def use(self, code_hash: str, sign_public: bytes, hpke_public: bytes, now: float) -> Enrolment:
        """Spend a code: single use, refused once expired.

        One conditional UPDATE, so two devices racing with the same code
        cannot both win (SQLite ignores row locks).
        """
        with self._sessions.begin() as s:
            spent = s.execute(
                update(EnrolmentRow)
                .where(
                    (EnrolmentRow.code_hash == code_hash)
                    & EnrolmentRow.used_at.is_(None)
                    & (EnrolmentRow.expires_at >= now)
                )
                .values(used_at=now, sign_public=sign_public, hpke_public=hpke_public)
                .returning(*EnrolmentRow.__table__.columns)
            ).first()
        if spent is not None:
            return _to_enrolment(spent)  # type: ignore[arg-type]
        # Not used now: say why (expired, when the code was valid a moment ago).
        raise self._refusal(code_hash, now) or _expired()

    def check_waiting(self, code_hash: str, now: float) -> None:
        """Raises EnrolmentRefused, as `use` would, unless a code with this hash
        can still be used (issued, unused, unexpired)."""
        refusal = self._refusal(code_hash, now)
        if refusal is not None:
            raise refusal

    def _refusal(self, code_hash: str, now: float) -> EnrolmentRefused | None:
        with self._sessions() as s:
            row = s.get(EnrolmentRow, code_hash)
        if row is None:
            return EnrolmentRefused("unknown_code", "this enrolment code is not valid")
        if row.used_at is not None:
            return EnrolmentRefused("code_used", "this enrolment code was already used")
        if row.expires_at < now:
            return _expired()
        return None

    def all(self) -> list[Enrolment]:
        with self._sessions() as s:
            return [_to_enrolment(r) for r in s.scalars(select(EnrolmentRow))]

    def mark_published(self, device_ids: list[str]) -> None:
        """Forget the keys (now in the manifest) but remember, until expiry,
        that the code was spent, so a second try is told so plainly."""
        with self._sessions.begin() as s:
            for row in s.scalars(
                select(EnrolmentRow).where(EnrolmentRow.device_id.in_(device_ids))
            ):
                row.sign_public = row.hpke_public = None

    def remove(self, device_ids: list[str]) -> None:
        with self._sessions.begin() as s:
            s.execute(delete(EnrolmentRow).where(EnrolmentRow.device_id.in_(device_ids)))
