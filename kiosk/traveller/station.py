"""What the kiosk shows of its station, from the verified site manifest: the
emergency number, the place's name and the languages offered there, where to
find a person when the kiosk cannot help, and the kiosk's time limits.
Blocking (it may fetch the manifest): call from a worker thread."""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.client import HubClient
from kiosk.core.site import Location, SiteLimits
from kiosk.i18n import SUPPORTED_LOCALES
from kiosk.i18n.signoff import offered_languages, signed_off_languages

__all__ = ["StationFacts", "station_facts"]


@dataclass(frozen=True, slots=True)
class StationFacts:
    emergency_number: str
    location_label: str
    manifest_version: int
    languages: tuple[str, ...]  # empty: the site names none for this place
    help_point: str = ""  # where to find a person, e.g. "Ticket office, main hall"
    help_phone: str = ""
    limits: SiteLimits = field(default_factory=SiteLimits)
    place: Location | None = None
    default_language: str = "en"

    def label_in(self, language: str) -> str:
        """The place's name in `language`, else the station's, else any."""
        if self.place is None:
            return self.location_label
        return self.place.label_in(language, self.default_language)


def station_facts(
    client: HubClient, location_id: str, default_languages: tuple[str, ...]
) -> StationFacts:
    site = client.site()
    location = site.location(location_id)
    offered = site.languages_at(location_id)
    if site.require_signed_off_languages:  # reads the catalogs: off the UI thread
        signed_off = signed_off_languages(SUPPORTED_LOCALES)
        offered = offered_languages(offered or default_languages, SUPPORTED_LOCALES, signed_off)
    station = site.station_of(location_id)
    return StationFacts(
        emergency_number=site.emergency_number_at(location_id),
        location_label=location.label if location else "",
        manifest_version=site.version,
        languages=offered,
        help_point=station.help_point if station else "",
        help_phone=station.help_phone if station else "",
        limits=site.limits,
        place=location,
        default_language=station.default_language if station else "en",
    )
