"""What a traveller can ask for, and how urgent it is.

Values are stable protocol identifiers: they travel in routing metadata and in
sealed bodies, and each reader renders them in their own language.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["URGENT_BY_NATURE", "Category", "Urgency"]


class Category(StrEnum):
    UNWELL = "unwell"
    MEDICAL_NOW = "medical_now"
    ASSISTANCE = "assistance"
    LOST = "lost"
    UNSAFE = "unsafe"
    LOST_PROPERTY = "lost_property"
    OTHER = "other"


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


# Categories that are urgent whatever the traveller picked: nobody should have
# to find an urgency toggle while needing medical help now or feeling unsafe.
URGENT_BY_NATURE = frozenset({Category.MEDICAL_NOW, Category.UNSAFE})
