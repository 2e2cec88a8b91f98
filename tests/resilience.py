"""Devices as the apps behave under faults: a console that rebuilds its view from
each reconnect's snapshot, and a kiosk that retries one request until stored."""

from __future__ import annotations

import threading
import time
from typing import Any

from kiosk.client import EventStream, HubClient
from kiosk.core.body import TicketBody
from kiosk.core.errors import HubRefused, KioskError
from kiosk.core.ticket import new_ticket_id
from tests.waiting import wait_until


class Console:
    """A staff console's view, kept as the app keeps it: open tickets by id,
    rebuilt from each reconnect's snapshot."""

    def __init__(self, client: HubClient) -> None:
        self.open: dict[str, dict[str, Any]] = {}
        self._session: set[str] = set()
        self._fresh: dict[str, dict[str, Any]] | None = None
        self.connected = threading.Event()
        self.client = client
        self.stream = EventStream(client, self._on_event, self._on_connection)
        self.stream.start()

    def close(self) -> None:
        self.stream.stop()
        self.client.close()

    def _on_connection(self, connected: bool) -> None:
        (self.connected.set if connected else self.connected.clear)()

    def _on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "connecting":
            self._fresh, self._session = {}, set()
        elif kind == "synced" and self._fresh is not None:
            self.open, self._fresh = self._fresh, None  # drop ghosts of closed tickets
        elif kind == "ticket":
            view = event["ticket"]
            target = self._fresh if self._fresh is not None else self.open
            if view["state"] in {"resolved", "cancelled", "expired"}:
                target.pop(view["id"], None)
                self.open.pop(view["id"], None)
            else:
                target[view["id"]] = view

    def wait_for(self, ids: set[str], timeout: float = 60) -> None:
        try:
            wait_until(lambda: set(self.open) == ids, f"the console to show {sorted(ids)}", timeout)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; it shows {sorted(self.open)}") from None


# How soon a kiosk sends again: five tries a second stay well under the hub's
# allowance of calls, also while it answers 503 for seconds on end.
RETRY_SECONDS = 0.2


class Sender:
    """As the kiosk app sends: the same id again until the hub answers. `failures`
    counts the attempts that failed so far (other threads watch it grow)."""

    def __init__(self, kiosk: HubClient, ticket_id: str, body: TicketBody) -> None:
        self.kiosk, self.ticket_id, self.body = kiosk, ticket_id, body
        self.failures = 0

    def attempt(self) -> bool:
        try:
            self.kiosk.submit_ticket(self.kiosk.site(), self.ticket_id, self.body)
            return True
        except HubRefused as exc:
            if exc.status < 500:
                raise
        except KioskError:
            pass
        self.failures += 1
        return False

    def send(self, patience: float) -> int:
        """Until stored; the attempts it took."""
        wait_until(self.attempt, f"{self.ticket_id} stored", patience, every=RETRY_SECONDS)
        return self.failures + 1


def send_until_stored(kiosk: HubClient, ticket_id: str, body: TicketBody, patience: float) -> int:
    """As the kiosk app does: the same id again until the hub answers; the attempts."""
    return Sender(kiosk, ticket_id, body).send(patience)


class Travellers:
    """One thread per kiosk sending `per_kiosk` tickets one after another, each
    retried until stored; `sent` and `acknowledged` as the kiosks saw them, and
    what went wrong in a thread in `failures`."""

    def __init__(self, kiosks: list[HubClient], per_kiosk: int, body: TicketBody) -> None:
        self.sent: list[str] = []
        self.acknowledged: list[str] = []
        self.failures: list[BaseException] = []
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # an acknowledgement or a failure
        self._threads = [
            threading.Thread(target=self._run, args=(k, per_kiosk, body), daemon=True)
            for k in kiosks
        ]
        for t in self._threads:
            t.start()

    def _run(self, kiosk: HubClient, count: int, body: TicketBody) -> None:
        try:
            for _ in range(count):
                ticket_id = new_ticket_id()
                with self._lock:
                    self.sent.append(ticket_id)
                send_until_stored(kiosk, ticket_id, body, 60)
                with self._changed:
                    self.acknowledged.append(ticket_id)
                    self._changed.notify_all()
        except BaseException as exc:  # reported by the test, not lost in a thread
            with self._changed:
                self.failures.append(exc)
                self._changed.notify_all()

    def wait_for_acknowledged(self, count: int, timeout: float = 60) -> None:
        """Returns as the `count`th acknowledgement comes, the others still sending."""
        with self._changed:
            self._changed.wait_for(
                lambda: self.failures or len(self.acknowledged) >= count, timeout
            )
            if self.failures or len(self.acknowledged) < count:
                raise AssertionError(
                    f"{len(self.acknowledged)} of {count} acknowledged; failures: {self.failures}"
                )

    def join(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        if self.failures or any(t.is_alive() for t in self._threads):
            raise AssertionError(f"travellers not done; failures: {self.failures}")
