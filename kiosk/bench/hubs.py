"""The real hub processes a bench run talks to, on loopback, and their memory."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from kiosk.bench.cpu_quota import CpuQuota
from kiosk.bench.machine_cpu import process_cpu_seconds
from kiosk.operator import SiteLayout

__all__ = ["HubProcesses", "free_port", "process_rss_mb"]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def process_rss_mb(pid: int) -> float:
    """A process's resident memory in MB (0 once it has ended)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


_rss_mb = process_rss_mb  # its former name


class HubProcesses:
    """`kiosk hub` processes sharing the site's database, each logging into data/logs."""

    def __init__(self, layout: SiteLayout, count: int, cpu_cores: float | None = None) -> None:
        """`cpu_cores`: each hub held to this share of the CPU (cpu_quota.py)."""
        self.layout = layout
        self.ports = [free_port() for _ in range(count)]
        self.processes: list[subprocess.Popen[bytes]] = []
        self.log_dir = layout.root / "logs"
        self.cpu_cores = cpu_cores
        self.quotas: list[CpuQuota] = []

    @property
    def urls(self) -> list[str]:
        return [f"https://127.0.0.1:{p}" for p in self.ports]

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        if self.cpu_cores is not None:  # before any hub starts
            for n in range(len(self.ports)):
                self.quotas.append(CpuQuota(f"kiosk-bench-hub-{n}", self.cpu_cores))
        for n, port in enumerate(self.ports):
            extra = ["--db", self.layout.database_url] if self.layout.database_url else []
            with (self.log_dir / f"hub-{n}.log").open("ab") as log:
                self.processes.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "kiosk",
                            "hub",
                            "--data",
                            str(self.layout.root),
                            "--port",
                            str(port),
                            *extra,
                        ],
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
            if self.cpu_cores is not None:
                self.quotas[n].add(self.processes[-1].pid)
        for url, process in zip(self.urls, self.processes, strict=True):
            self._wait_healthy(url, process)

    def _wait_healthy(self, url: str, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + 60
        with requests.Session() as session:
            session.trust_env = False
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    break
                try:
                    answer = session.get(
                        f"{url}/v1/health", verify=str(self.layout.operator / "ca.pem"), timeout=1
                    )
                    if answer.ok:
                        return
                except requests.RequestException:
                    pass
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the hub at {url} did not start; see {self.log_dir}")

    def rss_mb(self) -> list[float]:
        return [process_rss_mb(p.pid) for p in self.processes]

    def cpu_seconds(self) -> float:
        """CPU time all hubs have used so far (user + system)."""
        return sum(process_cpu_seconds(p.pid) for p in self.processes)

    def stop(self) -> bool:
        """Stop every hub as systemd does (SIGTERM, then SIGKILL after 20 s); True
        when each stopped by itself with status 0 (a killed hub skips its last purge)."""
        clean = True
        try:
            for process in self.processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
                else:
                    clean = False  # it had stopped during the run
            for process in self.processes:
                try:
                    clean = process.wait(20) == 0 and clean
                except subprocess.TimeoutExpired:
                    clean = False
                    process.kill()
                    process.wait(5)
            return clean
        finally:
            for quota in self.quotas:
                quota.remove()
            self.quotas = []
