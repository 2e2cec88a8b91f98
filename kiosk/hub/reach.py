"""Which staff groups can be reached right now: the input of every escalation
decision (kiosk/core/escalation.py), as the escalator, the consoles' views and
the kiosk's fallback ask it.

A group is reached when one of its consoles is on duty *and* has a live event
stream on this hub (Broker.live_consoles), or when one of its alert relays
works (kiosk/hub/alert_relays.py). "On duty" alone is what a console said
once; a console that crashed or was closed still says it, and a route step
waiting on it would wait out its whole time with nobody there.

Several hubs on one PostgreSQL database: a console streams from one of them;
the others count it as reached while its heartbeats arrive (the shared
presence rows), so a crashed console there is noticed within the offline
limit (25 s by default) instead of at once.
"""

from __future__ import annotations

from collections.abc import Callable

from kiosk.core.escalation import reached_groups
from kiosk.core.site import Site
from kiosk.hub.duty import DutyBook
from kiosk.hub.events import Broker

__all__ = ["Reach"]

_KEPT = 64  # (site, duty, streams, relays) states remembered; cleared whole when full


def _nobody() -> frozenset[str]:
    return frozenset()


class Reach:
    def __init__(self, duty: DutyBook, broker: Broker) -> None:
        self._duty = duty
        self._broker = broker
        # Set by the parts that know: groups with a working alert relay, and
        # consoles streaming from other hubs (PostgreSQL).
        self.relayed: Callable[[], frozenset[str]] = _nobody
        self.elsewhere: Callable[[], frozenset[str]] = _nobody
        self._cache: dict[tuple[object, ...], frozenset[str]] = {}

    def refresh(self) -> frozenset[str]:
        """Re-read who is off duty (worker thread)."""
        return self._duty.refresh()

    def staffed(self, site: Site) -> frozenset[str]:
        """Groups of `site` reached now. Asked by every console's stream about
        every event: worked out once per state, not per question."""
        live = self._broker.live_consoles
        elsewhere = self.elsewhere()
        relayed = self.relayed()
        key = (site.version, self._duty.off_duty, live, elsewhere, relayed)
        groups = self._cache.get(key)
        if groups is None:
            if len(self._cache) >= _KEPT:
                self._cache.clear()
            groups = self._cache[key] = reached_groups(
                site, self._duty.off_duty, live | elsewhere, relayed
            )
        return groups
