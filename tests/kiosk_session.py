"""The kiosk session as packaging/systemd/kiosk-traveller.service starts it: cage on
a headless wlroots backend with the pixman renderer (no GPU, no DRM device), the
real traveller app inside it as the unprivileged `kiosk` user, pictures taken
from the compositor with grim, taps injected through Xwayland with xdotool, and
systemd's side of sd_notify played by a datagram socket the test holds."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.waiting import wait_until

SESSION_USER = os.environ.get("KIOSK_SESSION_USER", "kiosk")
TOOLS = ("cage", "Xwayland", "grim", "xdotool")
KIOSK_BIN = Path(sys.executable).parent / "kiosk"


def as_kiosk_user() -> dict[str, Any]:
    """Popen arguments that drop to the kiosk user, its group and no others (cage
    refuses to start if it could get root back)."""
    return {"user": SESSION_USER, "group": pwd.getpwnam(SESSION_USER).pw_gid, "extra_groups": []}


def why_not_runnable() -> str | None:
    """None when this machine can run the session; else what is missing, and the fix."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        return f"needs {', '.join(missing)} (.ci/run installs them: cage xwayland grim xdotool)"
    try:
        pwd.getpwnam(SESSION_USER)
    except KeyError:
        return f"needs the `{SESSION_USER}` user (.ci/run creates it, as docs/deploy.md does)"
    if os.geteuid() != 0:
        return "runs as root, to start the session as the `kiosk` user as systemd does"
    probe = subprocess.run(
        [sys.executable, "-c", "import kiosk"],
        **as_kiosk_user(), capture_output=True, check=False, cwd="/",
    )  # fmt: skip
    if probe.returncode != 0:
        return f"the `{SESSION_USER}` user cannot run {sys.executable} (a venv under /root?)"
    return None


@dataclass
class Frame:
    """A grim screenshot in binary PPM: width, height and RGB bytes."""

    width: int
    height: int
    pixels: bytes

    @classmethod
    def parse(cls, data: bytes) -> Frame:
        fields = data.split(maxsplit=4)  # P6 width height maxval pixels
        assert fields[0] == b"P6", fields[:4]
        assert fields[3] == b"255", fields[:4]
        return cls(int(fields[1]), int(fields[2]), fields[4])

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        at = (y * self.width + x) * 3
        return self.pixels[at], self.pixels[at + 1], self.pixels[at + 2]

    def colours(self) -> dict[tuple[int, int, int], int]:
        """Counts of each colour, on a sparse grid (fast enough for a 1280x720 frame)."""
        counts: dict[tuple[int, int, int], int] = {}
        for y in range(0, self.height, 4):
            for x in range(0, self.width, 4):
                colour = self.pixel(x, y)
                counts[colour] = counts.get(colour, 0) + 1
        return counts

    def box_of(self, colour: tuple[int, int, int]) -> tuple[int, int, int, int] | None:
        """The first run of `colour` in reading order, as x, y, width, height."""
        at = self.pixels.find(bytes(colour))
        while at >= 0 and at % 3:
            at = self.pixels.find(bytes(colour), at + 1)
        if at < 0:
            return None
        x, y = at // 3 % self.width, at // 3 // self.width
        right, bottom = x, y
        while right + 1 < self.width and self.pixel(right + 1, y) == colour:
            right += 1
        while bottom + 1 < self.height and self.pixel(x, bottom + 1) == colour:
            bottom += 1
        return x, y, right - x + 1, bottom - y + 1

    def difference(self, other: Frame) -> float:
        """The fraction of sampled pixels that differ between two frames."""
        total = changed = 0
        for y in range(0, self.height, 4):
            for x in range(0, self.width, 4):
                total += 1
                changed += self.pixel(x, y) != other.pixel(x, y)
        return changed / total

    def lit_fraction(self) -> float:
        counts = self.colours()
        return 1 - counts.get((0, 0, 0), 0) / sum(counts.values())


@dataclass
class Session:
    """One start of the unit's ExecStart; `stop()` ends it as systemd would."""

    root: Path
    device_dir: Path
    notify_socket: Path
    watchdog_usec: int
    log_path: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def runtime_dir(self) -> Path:
        return self.root / "xdg"

    def _env(self) -> dict[str, str]:
        user = pwd.getpwnam(SESSION_USER)
        return {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": user.pw_dir,
            "USER": SESSION_USER,
            "LANG": "C.UTF-8",
            # What logind's PAM session (PAMName=login) would give the unit:
            "XDG_RUNTIME_DIR": str(self.runtime_dir),
            # What a CI machine lacks: a GPU and input devices.
            "WLR_BACKENDS": "headless",
            "WLR_RENDERER": "pixman",
            "WLR_LIBINPUT_NO_DEVICES": "1",
            # The unit's Environment= and what systemd sets for Type=notify:
            "KIOSK_FULLSCREEN": "1",
            "NOTIFY_SOCKET": str(self.notify_socket),
            "WATCHDOG_USEC": str(self.watchdog_usec),
            **self.extra_env,
        }

    def start(self) -> None:
        # kiosk-traveller.service's ExecStart, with this venv's kiosk command, plus -r:
        # a portrait output. Then cage composites the frame; without it, it scans the
        # app's buffer straight out, which the headless backend captures as black.
        command = ["cage", "-d", "-r", "--", str(KIOSK_BIN), "traveller", "--device",
                   str(self.device_dir)]  # fmt: skip
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, **as_kiosk_user(), env=self._env(), cwd=self.root,
                stdout=log, stderr=subprocess.STDOUT, process_group=0,
            )  # fmt: skip

    def app_pid(self) -> int | None:
        """The traveller app: the child cage started."""
        assert self.process is not None
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                status = (entry / "status").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if f"\nPPid:\t{self.process.pid}\n" in status and b"traveller" in cmdline:
                return int(entry.name)
        return None

    def app_display(self) -> str:
        """The X display cage's Xwayland gave the app (cage sets DISPLAY for it)."""
        pid = wait_until(self.app_pid, "the traveller app to start under cage", 30)
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        (display,) = [v[8:].decode() for v in environ if v.startswith(b"DISPLAY=")]
        return display

    def grim(self, path: Path, kind: str = "ppm") -> bool:
        """A picture of the whole output, taken from the compositor (not the app)."""
        env = {**self._env(), "WAYLAND_DISPLAY": "wayland-0"}
        result = subprocess.run(
            ["grim", "-t", kind, str(path)], **as_kiosk_user(), env=env,
            capture_output=True, check=False, timeout=30,
        )  # fmt: skip
        return result.returncode == 0

    def save_png(self, dest: Path) -> Path:
        """The output as a PNG at `dest` (taken where the kiosk user may write)."""
        shot = self.root / "shot.png"
        assert self.grim(shot, "png"), "grim could not take a picture"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, dest)
        return dest

    def frame(self) -> Frame | None:
        shot = self.root / "shot.ppm"
        if not (self.runtime_dir / "wayland-0").exists() or not self.grim(shot):
            return None
        return Frame.parse(shot.read_bytes())

    def tap(self, x: int, y: int) -> None:
        """A click through Xwayland's XTEST: the app sees a press and release there."""
        env = {**self._env(), "DISPLAY": self.app_display()}
        subprocess.run(
            ["xdotool", "mousemove", str(x), str(y), "click", "1"],
            **as_kiosk_user(), env=env, check=True, capture_output=True, timeout=30,
        )  # fmt: skip

    def stop(self) -> None:
        """What systemd does to the unit's control group: everything in it goes."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(15)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


def prepare_session_root(root: Path, device_source: Path) -> tuple[Path, Path]:
    """The session's files, owned by the kiosk user: its device directory (a copy
    of the enrolled one) and a private XDG_RUNTIME_DIR, as /run/user/UID would be."""
    user = pwd.getpwnam(SESSION_USER)
    root.mkdir(mode=0o755)
    device_dir = root / "device"
    shutil.copytree(device_source, device_dir)
    (root / "xdg").mkdir(mode=0o700)
    for path in (root, *root.rglob("*")):
        os.chown(path, user.pw_uid, user.pw_gid)
    return device_dir, root / "xdg"


def bind_notify_socket(path: Path) -> socket.socket:
    """systemd's end of NOTIFY_SOCKET: a datagram socket the kiosk user may write to."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    os.chmod(path, 0o666)  # noqa: S103 (as systemd's own socket: any client may notify)
    return sock
