"""Byte scans for what must not remain on disk."""

from __future__ import annotations

from pathlib import Path


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def residue(root: Path, needles: dict[str, bytes]) -> list[str]:
    """Every (file, needle name) where a needle's bytes occur under `root`."""
    found = []
    for path in files_under(root):
        data = path.read_bytes()
        found += [f"{path.relative_to(root)}: {name}" for name, b in needles.items() if b in data]
    return found


def ticket_needles(ticket_id: str, ciphertext: bytes, plaintext: bytes) -> dict[str, bytes]:
    return {
        "ticket id (hex)": ticket_id.encode(),
        "ticket id (raw)": bytes.fromhex(ticket_id),
        "ciphertext": ciphertext,
        # Any 48-byte stretch of it: a partial copy left in a free page counts too.
        "ciphertext (head)": ciphertext[:48],
        "ciphertext (tail)": ciphertext[-48:],
        "plaintext body": plaintext,
    }
