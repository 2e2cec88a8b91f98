"""Where the hub's CPU goes under `kiosk bench` load: perf and py-spy on the hub.

    python benchmarks/hub_profile.py --kiosks 1000 --staff 50 --rate 50 --duration 30 [--json]

Runs `kiosk bench` (its options as given), and once every device is
connected records the hub process for the load's duration twice over:
`perf record` (every thread, native code and the kernel included: granian's
HTTP and TLS are Rust, SQLite and OpenSSL are C) and `py-spy record --gil`
(the Python code, by the part of the hub it belongs to). Prints the hub's CPU
by part, as shares of the hub's CPU and as milliseconds per request.

Needs root (or ptrace and perf_event rights), perf and py-spy (in the venv).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

# Native code by shared object (perf): what runs outside the Python interpreter.
_NATIVE = (
    ("_granian", "HTTP and TLS in granian (Rust)"),
    ("[kernel", "kernel: sockets, TCP, scheduling"),
    ("sqlite", "SQLite (C library)"),
    ("_rust.abi3", "signatures: cryptography's Ed25519 (C, Rust)"),
    ("libcrypto", "signatures: cryptography's Ed25519 (C, Rust)"),
    ("libc.so", "libc: allocation, copies"),
    ("libm.so", "libc: allocation, copies"),
    ("_json", "JSON (C accelerator)"),
)
_PYTHON = "python"  # libpython and the other extension modules: split by py-spy

# Python stacks (py-spy) by part: a library named in the stack (innermost first),
# else what the stack is for (a sweep, a beat), else the innermost frame of the
# hub's own code or its framework, else the event loop.
_LIBRARIES = (
    (r"^(json|JSONEncoder|JSONDecoder)\b|/json/|\(json/", "JSON"),
    (r"sqlalchemy/|sqlite3/", "SQLite writes and reads (SQLAlchemy)"),
    (r"cryptography/|kiosk/crypto/", "signed calls: verification"),
    (r"base64\.py", "base64 of sealed copies"),
    (
        r"run_sync_in_worker_thread|to_thread\.py|run_in_threadpool",
        "handing calls to worker threads",
    ),
)
# What a stack is for, wherever in it (the first rule that matches any frame).
_PURPOSES = (
    (r"keepalive", "stream keepalives"),
    (r"kiosk/hub/(presence|dead_peers)\.py|heartbeat", "presence and heartbeats"),
    (r"kiosk/hub/(escalator|sweeps|reach|duty)\.py", "escalation and sweeps"),
)
_HUB = (
    (r"kiosk/hub/(auth|signed_calls|request_body|limits)\.py", "signed calls: verification"),
    (
        r"kiosk/hub/(streams|event_stream_response|events|publisher|views|wire|loop_reader)\.py",
        "event fan-out to streams",
    ),
    (
        r"kiosk/hub/(store|database|batched|counter_store|purge|statistics)\.py",
        "SQLite writes and reads (SQLAlchemy)",
    ),
    (r"kiosk/", "request handling (hub's own code)"),
    (r"starlette/|anyio/|granian/|pydantic", "ASGI framework (Starlette, granian's Python side)"),
)
_LOOP = ((r"asyncio/|selectors|threading|queue\.py|concurrent/", "event loop and worker threads"),)


def _hub_pid(data: Path) -> int | None:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"hub" in args and str(data).encode() in args:
            return int(entry.name)
    return None


def _record(pid: int, seconds: float, out: Path) -> list[subprocess.Popen[bytes]]:
    pyspy = Path(sys.executable).with_name("py-spy")
    return [
        subprocess.Popen(
            [
                *("perf", "record", "-F", "499", "-p", str(pid), "-o", str(out / "perf.data")),
                *("--", "sleep", str(seconds)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [
                *(
                    str(pyspy),
                    "record",
                    "--pid",
                    str(pid),
                    "--gil",
                    "--nonblocking",
                    "--rate",
                    "100",
                ),
                *("--format", "raw", "--duration", str(int(seconds)), "-o", str(out / "py.txt")),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    ]


def run(bench_args: list[str], seconds: float, work: Path) -> dict[str, Any]:
    data = work / "site"
    bench = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "bench", *bench_args, "--data", str(data), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    recorders: list[subprocess.Popen[bytes]] = []

    def follow() -> None:
        assert bench.stderr is not None
        for line in bench.stderr:
            print(line, end="", file=sys.stderr)
            if "all connected" in line and not recorders:
                pid = _hub_pid(data)
                if pid is not None:
                    recorders.extend(_record(pid, seconds, work))

    follower = threading.Thread(target=follow, daemon=True)
    follower.start()
    assert bench.stdout is not None
    out = bench.stdout.read()  # not communicate(): it would read stderr too, racing follow()
    bench.wait()
    follower.join()
    for recorder in recorders:
        recorder.wait()
    if not recorders:
        raise SystemExit("the hub was not found: nothing recorded")
    report: dict[str, Any] = json.loads(out)
    report.pop("ticket_ids", None)
    return {
        "bench": report,
        "native": _perf_shares(work / "perf.data"),
        "python": _py_parts(work / "py.txt"),
    }


def _perf_shares(path: Path) -> dict[str, float]:
    text = subprocess.run(
        ["perf", "report", "-i", str(path), "--sort", "dso", "--stdio", "--no-children"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    shares: dict[str, float] = {}
    for line in text.splitlines():
        found = re.match(r"\s*([\d.]+)%\s+(\S.*)$", line)
        if not found:
            continue
        share, dso = float(found[1]), found[2].strip()
        part = next((name for key, name in _NATIVE if key in dso), _PYTHON)
        shares[part] = shares.get(part, 0.0) + share / 100
    return {k: round(v, 4) for k, v in sorted(shares.items(), key=lambda kv: -kv[1])}


def _py_parts(path: Path) -> dict[str, float]:
    parts: dict[str, int] = {}
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if count.isdigit():
            part = _part_of(stack.split(";"))
            parts[part] = parts.get(part, 0) + int(count)
    total = sum(parts.values()) or 1
    return {k: round(v / total, 4) for k, v in sorted(parts.items(), key=lambda kv: -kv[1])}


def _part_of(frames: list[str]) -> str:
    innermost_first = frames[::-1]
    for frame in innermost_first:
        for pattern, name in _LIBRARIES:
            if re.search(pattern, frame):
                return name
    for pattern, name in _PURPOSES:
        if any(re.search(pattern, frame) for frame in frames):
            return name
    for rules in (_HUB, _LOOP):
        for frame in innermost_first:
            for pattern, name in rules:
                if re.search(pattern, frame):
                    return name
    return "other Python"


def table(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Each part's share of the hub's CPU, and its milliseconds of CPU per request."""
    bench, native, python = result["bench"], result["native"], result["python"]
    rows: dict[str, float] = {}
    for part, share in native.items():
        if part == _PYTHON:
            for name, py_share in python.items():
                rows[f"Python: {name}"] = share * py_share
        else:
            rows[part] = rows.get(part, 0.0) + share
    # Hub CPU per request sent (heartbeats, sweeps and streams included).
    per_request = 1000 * bench["hub_cpu_cores"] / max(bench["rate"], 1e-9)
    return [
        {"part": part, "share": round(share, 3), "ms_per_request": round(share * per_request, 2)}
        for part, share in sorted(rows.items(), key=lambda kv: -kv[1])
    ] + [{"part": "the hub, all parts", "share": 1.0, "ms_per_request": round(per_request, 1)}]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kiosks", default="1000")
    parser.add_argument("--staff", default="50")
    parser.add_argument("--rate", default="50")
    parser.add_argument("--duration", default="30")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", type=Path, help="keep perf.data and py-spy's stacks here")
    parser.add_argument(
        "--again", type=Path, help="no new run: summarize --keep's files and this JSON output again"
    )
    args = parser.parse_args()
    if shutil.which("perf") is None:
        raise SystemExit("perf is not installed (Debian: apt install linux-perf)")
    bench_args = ["--kiosks", args.kiosks, "--staff", args.staff, "--rate", args.rate]
    bench_args += ["--duration", args.duration]
    if args.again:
        result = json.loads(args.again.read_text())
        result["native"] = _perf_shares(args.keep / "perf.data")
        result["python"] = _py_parts(args.keep / "py.txt")
    else:
        result = _run_kept(args, bench_args)
    result["table"] = table(result)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for row in result["table"]:
            print(f"{row['part']:<58} {row['share']:>6} {row.get('ms_per_request', '')!s:>7}")
    return 0


def _run_kept(args: argparse.Namespace, bench_args: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="hub-profile-") as tmp:
        result = run(bench_args, float(args.duration), Path(tmp))
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for name in ("perf.data", "py.txt"):
                shutil.copyfile(Path(tmp) / name, args.keep / name)
    return result


if __name__ == "__main__":
    sys.exit(main())
