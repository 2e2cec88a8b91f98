"""A staff console reduced to its event stream, as a process a test can kill:
`python -m tests.console_process DEVICE_DIR` prints "synced" once its stream's
snapshot is in, then reads events until its stream ends or stdin closes; a
line "close" on stdin closes the stream cleanly, as a console closed by its
user does."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from kiosk.client import DeviceConfig, HubClient
from kiosk.crypto import DeviceKeys


def main(directory: str) -> int:
    config = DeviceConfig.load(Path(directory))
    client = HubClient(config, DeviceKeys.load(config.directory))

    def read() -> None:
        for event in client.events():
            if event.get("type") == "synced":
                print("synced", flush=True)

    threading.Thread(target=read, daemon=True).start()
    sys.stdin.readline()  # "close", or stdin gone: either way the console closes
    client.close()
    print("closed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
