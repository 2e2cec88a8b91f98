"""Sound in the kiosk session: the alert chime (Kivy's SDL2 audio) and speech
(espeak-ng) reach a real audio server as the `kiosk` user. The server is
PulseAudio with a null sink, run as that user; parec records the sink's monitor
and the test finds the sound in it. No sound card is involved, so what reaches
the speaker itself is not tested; what the apps hand to the sound server is."""

from __future__ import annotations

import array
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kiosk_session import SESSION_USER, as_kiosk_user
from tests.waiting import wait_until

PLAYER = Path(__file__).with_name("session_sound_player.py")
RATE = 16000  # parec's recording: mono, 16-bit, 16 kHz


def _why_not() -> str | None:
    missing = [t for t in ("pulseaudio", "pactl", "parec", "espeak-ng") if not shutil.which(t)]
    if missing:
        return f"needs {', '.join(missing)} (.ci/run installs pulseaudio pulseaudio-utils)"
    try:
        pwd.getpwnam(SESSION_USER)
    except KeyError:
        return f"needs the `{SESSION_USER}` user (.ci/run creates it)"
    if os.geteuid() != 0:
        return "runs as root, to play as the `kiosk` user"
    return None


_WHY_NOT = _why_not()
pytestmark = pytest.mark.skipif(_WHY_NOT is not None, reason=str(_WHY_NOT))


class SoundServer:
    """PulseAudio as the kiosk user with one null sink, and a recorder on its monitor."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(root),
            "XDG_RUNTIME_DIR": str(root / "xdg"),
            "LANG": "C.UTF-8",
        }
        self.recording = root / "monitor.raw"
        self.processes: list[subprocess.Popen[bytes]] = []

    def _start(self, args: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(args, **as_kiosk_user(), env=self.env, cwd=self.root, **kwargs)  # type: ignore[call-overload]
        self.processes.append(process)
        return process

    def start(self) -> None:
        with (self.root / "pulseaudio.log").open("wb") as log:
            self._start(
                ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1",
                 "--log-target=stderr", "-L", "module-native-protocol-unix",
                 "-L", "module-null-sink sink_name=kiosk_null"],
                stderr=log,
            )  # fmt: skip

        def answers() -> bool:
            return subprocess.run(
                ["pactl", "info"], **as_kiosk_user(), env=self.env, capture_output=True, check=False
            ).returncode == 0  # fmt: skip

        wait_until(answers, "PulseAudio to answer as the kiosk user", 30, every=0.2)
        with self.recording.open("wb") as out:
            self._start(
                ["parec", "--device=kiosk_null.monitor", "--raw", "--format=s16le",
                 "--channels=1", f"--rate={RATE}", "--latency-msec=50"],
                stdout=out,
            )  # fmt: skip

    def samples(self, since: int = 0) -> array.array[int]:
        data = self.recording.read_bytes()[since:]
        return array.array("h", data[: len(data) // 2 * 2])

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                process.wait(10)


def _loud(samples: array.array[int]) -> bool:
    return bool(samples) and max(abs(s) for s in samples) > 1000


@pytest.fixture
def server() -> Iterator[SoundServer]:
    top = Path(tempfile.mkdtemp(prefix="kiosk-sound-"))
    top.chmod(0o755)
    root = top / "session"
    (root / "xdg").mkdir(parents=True, mode=0o700)
    user = pwd.getpwnam(SESSION_USER)
    for path in (root, root / "xdg"):
        os.chown(path, user.pw_uid, user.pw_gid)
    running = SoundServer(root)
    try:
        running.start()
        yield running
    finally:
        running.stop()
        shutil.rmtree(top, ignore_errors=True)


def test_the_chime_and_speech_reach_the_sound_server_as_the_kiosk_user(
    server: SoundServer,
) -> None:
    with (server.root / "player.log").open("wb") as log:  # Kivy's and our log lines
        player = subprocess.Popen(
            [sys.executable, str(PLAYER)], **as_kiosk_user(), env=server.env, cwd=server.root,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
        )  # fmt: skip
    assert player.stdin is not None
    assert player.stdout is not None
    try:
        for command in ("chime", "speak"):
            start = server.recording.stat().st_size
            player.stdin.write(command + "\n")
            player.stdin.flush()
            assert player.stdout.readline().strip() == "played", command
            wait_until(
                lambda s=start: _loud(server.samples(s)),  # type: ignore[misc]
                f"the {command} in the null sink's monitor", 30, every=0.2,
            )  # fmt: skip
            # Its end: the last tenth of a second recorded is quiet again.
            wait_until(
                lambda: not _loud(server.samples()[-RATE // 10 :]),
                f"the {command} to end", 30, every=0.2,
            )  # fmt: skip
    finally:
        player.stdin.close()
        player.wait(20)
        player.stdout.close()
    log_text = (server.root / "player.log").read_text(errors="replace")
    assert "Traceback" not in log_text, log_text
