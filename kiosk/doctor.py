"""`kiosk doctor`: checks a kiosk, staff or hub machine and says what to fix, in plain words.

Each check gives ok, warn or fail with advice a station technician can act on.
`--self-test` runs the parts that need no hub, display or enrolment: it is what
the wheel install test and a fresh installation run first.
"""

from __future__ import annotations

import email.utils
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Finding", "device_check_lines", "run_checks", "self_test"]

_MIN_FREE_BYTES = 500 * 1024 * 1024
_MAX_SKEW_SECONDS = 60  # the hub refuses requests over 120 s off; warn well before


@dataclass(frozen=True)
class Finding:
    check: str
    status: str  # ok, warn, fail
    message: str

    def line(self) -> str:
        return f"{self.status.upper()}  {self.check}: {self.message}"


def device_check_lines(device_dir: Path) -> list[str]:
    """What the technician screen shows: every check of this kiosk, one line each."""
    return [f.line() for f in run_checks(device_dir=device_dir, data_dir=None, ui=True)]


def _ok(check: str, message: str) -> Finding:
    return Finding(check, "ok", message)


def _warn(check: str, message: str) -> Finding:
    return Finding(check, "warn", message)


def _fail(check: str, message: str) -> Finding:
    return Finding(check, "fail", message)


def check_languages() -> Iterator[Finding]:
    """Every offered language: catalog complete and every character in its font."""
    from kiosk.i18n import locale_info
    from kiosk.i18n.report import build_report

    users: dict[str, list[str]] = {}  # font file -> the languages drawn with it
    for code in _locales():
        info = locale_info(code)
        for path in (info.font_regular, info.font_bold):
            users.setdefault(path, []).append(f"{info.english_name} ({info.endonym})")
    for path, languages in users.items():
        if not Path(path).exists():
            names = ", ".join(languages)
            yield _fail(
                "fonts",
                f"font {Path(path).name} is missing, so {names} would show empty boxes: "
                "reinstall the kiosk package (its fonts are inside it)",
            )
            return
    gaps = [r for r in build_report() if not r.complete]
    if gaps:
        for r in gaps:
            yield _fail(
                "languages",
                f"{r.code}: {r.translated}/{r.messages} messages, "
                f"{len(r.placeholder_mismatches)} placeholder errors, missing glyphs "
                f"{sorted({c for cs in r.missing_glyphs.values() for c in cs})}: "
                "reinstall the kiosk package",
            )
    else:
        yield _ok("languages", f"{len(_locales())} languages complete, every character in its font")


def _locales() -> tuple[str, ...]:
    from kiosk.i18n import SUPPORTED_LOCALES

    return SUPPORTED_LOCALES


def check_display() -> Iterator[Finding]:
    import os

    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        # A technician's shell, before the session starts (docs/deploy.md step 4): the
        # session checks below say whether cage can give the app a display.
        yield _warn(
            "display",
            "no display in this shell: the kiosk app gets one from its session "
            "(kiosk-traveller.service under cage), not from a plain console",
        )
    else:
        yield _ok("display", "a display is available")
    devices = Path("/proc/bus/input/devices")
    text = devices.read_text(errors="replace") if devices.exists() else ""
    if "touch" in text.lower():
        yield _ok("touch", "a touchscreen is connected")
    else:
        yield _warn(
            "touch",
            "no touchscreen found: check its USB cable; travellers cannot use a kiosk without one",
        )


def check_speech() -> Iterator[Finding]:
    """Every offered language that is spoken: its engine and voice installed."""
    from kiosk.speech.engines import apt_fix, engine_for
    from kiosk.speech.voices import OPEN_JTALK, voice

    missing: dict[str, list[str]] = {}  # engine -> the languages it would speak
    unspoken = []
    for code in _locales():
        chosen = voice(code)
        if chosen is None:
            unspoken.append(code)
        elif not engine_for(chosen).installed(chosen.voice, to_file=False):
            missing.setdefault(chosen.engine, []).append(code)
    if missing:
        languages = ", ".join(sorted(c for codes in missing.values() for c in codes))
        contrib = (
            " (Open JTalk's voice is in Debian's contrib component: add contrib to the "
            "apt sources first)"
            if OPEN_JTALK in missing
            else ""
        )
        yield _warn(
            "speech",
            f"no speech engine or voice for {languages}: blind travellers using these "
            f"languages get no speech, only a notice on screen; {apt_fix(set(missing))}{contrib}",
        )
    else:
        yield _ok("speech", "the speech engines and voices of every spoken language are installed")
    if unspoken:
        yield _ok(
            "speech",
            f"not spoken, no offline engine reads them correctly: {', '.join(unspoken)} "
            "(the kiosk shows that spoken instructions are not available)",
        )


def check_disk(path: Path) -> Iterator[Finding]:
    probe = path if path.exists() else Path("/")
    free = shutil.disk_usage(probe).free
    if free < _MIN_FREE_BYTES:
        yield _fail(
            "disk",
            f"only {free // (1024 * 1024)} MB free under {probe}: the hub needs room to store "
            "requests; free some space",
        )
    else:
        yield _ok("disk", f"{free // (1024 * 1024 * 1024)} GB free under {probe}")


def check_device(device_dir: Path) -> Iterator[Finding]:
    """Enrolment, hub reachable, TLS, clock, and the signed manifest."""
    import requests

    from kiosk.client import DeviceConfig, HubClient
    from kiosk.core.errors import BadSignature, HubRefused, HubUnreachable, KioskError
    from kiosk.crypto import DeviceKeys

    if not (device_dir / "device.json").exists():
        yield _fail(
            "enrolment",
            f"{device_dir} holds no enrolled device: run `kiosk enrol` with the code "
            "the operator gave you",
        )
        return
    config = DeviceConfig.load(device_dir)
    yield _ok("enrolment", f"enrolled as {config.device_id} ({config.role.value})")
    with requests.Session() as session:
        session.trust_env = False
        try:
            response = session.get(
                config.hub_url + "/v1/health", verify=str(config.ca_file), timeout=5
            )
        except requests.exceptions.SSLError:
            yield _fail(
                "tls",
                f"the hub at {config.hub_url} does not present the site's certificate: "
                "check the address, or ask the operator whether the hub was replaced",
            )
            return
        except requests.RequestException:
            yield _fail(
                "hub",
                f"the hub is not reachable at {config.hub_url}: check the network cable and "
                "that the hub service (kiosk-hub) is running",
            )
            return
    yield _ok("hub", f"the hub answers at {config.hub_url} with the site's certificate")
    date = response.headers.get("date")
    if date:
        skew = abs(email.utils.parsedate_to_datetime(date).timestamp() - time.time())
        if skew > _MAX_SKEW_SECONDS:
            yield _fail(
                "clock",
                f"this clock is {skew:.0f} s away from the hub's: the hub refuses requests "
                "from clocks over 2 minutes off; enable time sync (timedatectl set-ntp true)",
            )
        else:
            yield _ok("clock", f"clock within {skew:.0f} s of the hub's")
    client = HubClient(config, DeviceKeys.load(device_dir))
    try:
        site = client.site()
    except BadSignature:
        yield _fail(
            "manifest",
            "the hub's site manifest is not signed by this site's key: do not use this "
            "kiosk; tell the operator",
        )
    except HubRefused as exc:
        advice = (
            "this device is not enrolled at this site or was revoked: ask the operator"
            if exc.code == "unknown_device"
            else exc.message
        )
        yield _fail("manifest", advice)
    except (HubUnreachable, KioskError) as exc:
        yield _fail("manifest", str(exc))
    else:
        yield _ok("manifest", f"site manifest version {site.version}, signed by the site key")
    finally:
        client.close()


def _check_session() -> Iterator[Finding]:
    from kiosk.session_checks import check_session  # cage, Xwayland, user, seat, sound

    yield from (Finding(*result) for result in check_session())


def run_checks(*, device_dir: Path | None, data_dir: Path | None, ui: bool) -> list[Finding]:
    checks: list[Callable[[], Iterator[Finding]]] = [check_languages, check_speech]
    if ui:
        checks.append(check_display)
        checks.append(_check_session)
    if device_dir is not None:
        checks.append(lambda: check_device(device_dir))
        checks.append(lambda: check_disk(device_dir))
    if data_dir is not None:
        checks.append(lambda: check_disk(data_dir))
    return [finding for check in checks for finding in check()]


def self_test() -> list[Finding]:
    """What works without a hub, a display or an enrolment."""
    from kiosk.core.body import TicketBody, binding_bytes
    from kiosk.core.categories import Category, Urgency
    from kiosk.core.site import SUITES
    from kiosk.crypto import DeviceKeys, open_ticket, seal_ticket
    from kiosk.hub.database import make_engine, upgrade_schema
    from kiosk.i18n import SUPPORTED_LOCALES, load_translations

    findings = list(check_languages())
    keys = DeviceKeys.generate()
    body = TicketBody(Category.UNWELL, Urgency.NORMAL, "en").to_bytes()
    binding = binding_bytes("0" * 32, "here", Category.UNWELL, Urgency.NORMAL)
    for suite in SUITES:
        sealed = seal_ticket(body, {"me": keys.hpke_public}, binding, suite)["me"]
        ok = open_ticket(sealed, keys, binding) == body
        findings.append(
            _ok("crypto", f"{suite} seals and opens")
            if ok
            else _fail("crypto", f"{suite} round trip failed")
        )
    untranslated = [
        c
        for c in SUPPORTED_LOCALES
        if c != "en" and load_translations(c).gettext("Cancel") == "Cancel"
    ]
    findings.append(
        _fail("catalogs", f"catalogs not loaded for {untranslated}")
        if untranslated
        else _ok("catalogs", f"{len(SUPPORTED_LOCALES)} catalogs load")
    )
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/selftest.db")
        upgrade_schema(engine)
        engine.dispose()
    findings.append(_ok("database", "the schema migrations apply to a new SQLite database"))
    return findings
