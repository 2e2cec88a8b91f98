"""Test-side driver for tests/app_harness.py: start a real app, press, read, shoot."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.waiting import wait_until

HARNESS = Path(__file__).with_name("app_harness.py")
_PREFIX = "HARNESS "


class AppDriver:
    def __init__(
        self,
        kind: str,
        device_dir: Path,
        size: str,
        log_path: Path,
        language: str | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.log_path = log_path
        self._answers: queue.Queue[dict[str, Any]] = queue.Queue()
        self._log = log_path.open("w")
        args = [sys.executable, str(HARNESS), kind, str(device_dir), size]
        if language:
            args.append(language)
        self.process = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={
                **os.environ,
                # No sound card in CI: SDL's dummy driver still loads and plays.
                "SDL_AUDIODRIVER": "dummy",
                **(env or {}),
            },
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        ready = self._next(60)
        assert ready.get("ready"), ready

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith(_PREFIX):
                self._answers.put(json.loads(line[len(_PREFIX) :]))
            else:
                self._log.write(line)
                self._log.flush()

    def _next(self, timeout: float) -> dict[str, Any]:
        try:
            return self._answers.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(
                f"app did not answer; its log:\n{self.log_path.read_text()[-4000:]}"
            ) from None

    def send(self, op: str, **args: Any) -> None:
        """Start a command without waiting (to act on two apps at the same moment);
        `receive()` reads its answer."""
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self.process.stdin.flush()

    def receive(self) -> dict[str, Any]:
        return self._next(30)

    def call(self, op: str, **args: Any) -> dict[str, Any]:
        self.send(op, **args)
        answer = self._next(30)
        if not answer.get("ok"):
            raise AssertionError(f"{op} {args} failed: {answer.get('error')}")
        return answer

    def press(self, **target: Any) -> None:
        self.call("press", **target)

    def state(self) -> dict[str, Any]:
        return self.call("state")

    def wait_until(
        self, predicate: Callable[[dict[str, Any]], bool], what: str, timeout: float = 30
    ) -> dict[str, Any]:
        """Poll the app's state until `predicate` holds; fails after `timeout` seconds."""
        last: dict[str, Any] = {}

        def holds() -> dict[str, Any] | None:
            last.clear()
            last.update(self.state())
            return dict(last) if predicate(last) else None

        try:
            return wait_until(holds, what, timeout)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; last state: {last}") from None

    def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.call("screenshot", path=str(path))
        return path

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                assert self.process.stdin is not None
                self.process.stdin.close()
                self.process.wait(15)
            except (subprocess.TimeoutExpired, BrokenPipeError):
                self.process.kill()
                self.process.wait(5)
        self._reader.join(5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._log.close()
