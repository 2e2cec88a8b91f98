"""Who may receive an event the hub publishes: one value, one `admits` rule.

A kiosk receives what names it (`kiosk_id`) or every kiosk (`all_kiosks`).
A staff console is judged by `staff`:

    NONE      no console
    LISTED    the consoles named by `groups` / `device_id`, whatever the ticket
    DUE       consoles whose escalation step on the ticket's route has come
              (TicketReach.due), narrowed by `groups`, `device_id`, `except_device`
    ON_ROUTE  every console that may see the ticket (TicketReach.on_route)

Whether a step has come depends on the site, duty and the time: the stream
that asks passes a TicketReach that knows them; `admits` itself is pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from kiosk.core.site import DeviceRecord, DeviceRole

__all__ = ["Audience", "StaffReach", "TicketReach"]


class StaffReach(StrEnum):
    NONE = "none"
    LISTED = "listed"
    DUE = "due"
    ON_ROUTE = "on_route"


class TicketReach(Protocol):
    """What only the hub can judge about one ticket and one console."""

    def due(self, device: DeviceRecord) -> bool:
        """Its group's step on the route has come, or the ticket was handed to it."""
        ...

    def on_route(self, device: DeviceRecord) -> bool:
        """It may see the ticket at all (any step of the route, at its place)."""
        ...


@dataclass(frozen=True, slots=True)
class Audience:
    staff: StaffReach = StaffReach.NONE
    kiosk_id: str | None = None
    all_kiosks: bool = False
    groups: frozenset[str] | None = None  # staff: only consoles of these groups
    device_id: str | None = None  # staff: only this console
    except_device: str | None = None  # staff: every console but this one

    @classmethod
    def ticket(cls, kiosk_id: str) -> Audience:
        """A ticket's change: its kiosk, and the consoles it is due to."""
        return cls(StaffReach.DUE, kiosk_id=kiosk_id)

    @classmethod
    def escalation(cls, kiosk_id: str, group: str) -> Audience:
        """One more group alerted (the groups before it were alerted already)."""
        return cls(StaffReach.DUE, kiosk_id=kiosk_id, groups=frozenset({group}))

    @classmethod
    def reminder(cls, kiosk_id: str, accepter: str) -> Audience:
        """A reminder: the console that accepted the ticket (and its kiosk, as ever)."""
        return cls(StaffReach.DUE, kiosk_id=kiosk_id, device_id=accepter)

    @classmethod
    def reescalation(cls, kiosk_id: str) -> Audience:
        """An accepted ticket left open: every step of its route again."""
        return cls(StaffReach.ON_ROUTE, kiosk_id=kiosk_id)

    @classmethod
    def staff_except(cls, device_id: str) -> Audience:
        """Consoles the ticket is due to but one (a hand-over: not the one handing)."""
        return cls(StaffReach.DUE, except_device=device_id)

    @classmethod
    def kiosk(cls, kiosk_id: str) -> Audience:
        """Only the kiosk of a ticket (its fallback came due; staff see no change)."""
        return cls(kiosk_id=kiosk_id)

    @classmethod
    def console(cls, device_id: str) -> Audience:
        """One staff console, whatever it is due (its duty state)."""
        return cls(StaffReach.LISTED, device_id=device_id)

    @classmethod
    def staff_groups(cls, groups: frozenset[str]) -> Audience:
        """Every console of these groups (a kiosk gone silent, for the control room)."""
        return cls(StaffReach.LISTED, groups=groups)

    @classmethod
    def every_kiosk(cls) -> Audience:
        """Every kiosk, no console (what kiosks keep: manifest, epoch keys)."""
        return cls(all_kiosks=True)

    def admits(self, device: DeviceRecord, reach: TicketReach | None = None) -> bool:
        """Whether `device` receives the event; `reach` answers for DUE and ON_ROUTE."""
        if device.role is DeviceRole.KIOSK:
            return self.all_kiosks or device.id == self.kiosk_id
        if self.staff is StaffReach.NONE:
            return False
        if self.device_id is not None and device.id != self.device_id:
            return False
        if self.except_device is not None and device.id == self.except_device:
            return False
        if self.groups is not None and device.group_id not in self.groups:
            return False
        if self.staff is StaffReach.LISTED:
            return True
        if reach is None:
            return False
        if self.staff is StaffReach.ON_ROUTE:
            return reach.on_route(device)
        return reach.due(device)
