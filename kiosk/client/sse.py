"""Server-sent events cut from the stream's bytes as they arrive.

requests' `iter_lines` reads 512 bytes at a time: through a proxy that sends the
stream without chunks (HTTP/1.0), a short event waited until 512 bytes had come.
The device reads whatever the socket holds instead, and this cuts it into events
as their blank lines arrive. (Its CPU per event is the same as iter_lines': the
socket read is most of it; docs/benchmarks.md.)
"""

from __future__ import annotations

__all__ = ["MAX_EVENT_BYTES", "EventTooLarge", "SseDecoder"]

# Far above the largest event the hub sends (a snapshot's ticket with its copy,
# a few kB): a stream that never ends a line is broken, not slow.
MAX_EVENT_BYTES = 1 << 20


class EventTooLarge(ValueError):
    """The stream sent more than MAX_EVENT_BYTES without ending an event."""


class SseDecoder:
    """Feed it bytes; it returns the data of each event they complete.

    Lines end with LF or CRLF (the hub writes LF). Of the fields only `data` is
    kept (several data lines join with LF); comments (`: keepalive`) and other
    fields are skipped, as the event-stream format says a client may.
    """

    def __init__(self) -> None:
        self._partial = b""  # a line not yet ended
        self._data: list[bytes] = []
        self._size = 0

    def feed(self, chunk: bytes) -> list[bytes]:
        lines = (self._partial + chunk if self._partial else chunk).split(b"\n")
        self._partial = lines.pop()
        done: list[bytes] = []
        for line in lines:
            if line.endswith(b"\r"):
                line = line[:-1]
            if not line:
                if self._data:
                    done.append(b"\n".join(self._data))
                    self._data, self._size = [], 0
            elif line.startswith(b"data:"):
                value = line[6:] if line.startswith(b"data: ") else line[5:]
                self._data.append(value)
                self._size += len(value)
        if self._size + len(self._partial) > MAX_EVENT_BYTES:
            raise EventTooLarge(f"an event over {MAX_EVENT_BYTES} bytes")
        return done
