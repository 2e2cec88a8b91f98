"""Rules for the fields of a JSON request body: one check, one JSON Schema.

A request model (kiosk/hub/request_models.py) is a frozen dataclass whose
fields each carry a rule (`field(metadata=rule(...))`). `parse(Model, doc)`
checks the body's fields in the order the model declares them and raises the
handler's `ApiError` at the first that fails; `body_schema(Model)` is the JSON
Schema of the same model for the OpenAPI document (kiosk/hub/openapi.py). So a
limit is written once, and the document cannot drift from the handler.

A missing field is checked as `null`, as the handlers always did.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar, Protocol, TypeVar

from kiosk.hub.api_errors import ApiError, decode_b64

__all__ = [
    "B64_CHARS",
    "Base64",
    "BodyModel",
    "Choice",
    "Flag",
    "Matching",
    "NonEmptyMap",
    "Normalised",
    "Rule",
    "Schema",
    "Strings",
    "Text",
    "Unchecked",
    "Whole",
    "body_schema",
    "parse",
    "rule",
]

Schema = dict[str, Any]
B64_CHARS = "[A-Za-z0-9+/]"
_B64 = f"^(?:{B64_CHARS}{{4}})*(?:{B64_CHARS}{{2}}==|{B64_CHARS}{{3}}=)?$"


class Rule(Protocol):
    """How one field is checked (raising ApiError) and described."""

    @property
    def optional(self) -> bool: ...

    def check(self, value: object) -> Any: ...

    def schema(self) -> Schema: ...


class BodyModel(Protocol):
    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]


M = TypeVar("M", bound=BodyModel)


def rule(checked_by: Rule) -> dict[str, Rule]:
    """A dataclass field's metadata: the rule its value is checked by."""
    return {"rule": checked_by}


def _rules(model: type[BodyModel]) -> list[tuple[str, Rule]]:
    return [(f.name, f.metadata["rule"]) for f in dataclasses.fields(model)]


def parse(model: type[M], doc: Mapping[str, Any]) -> M:
    """`doc` checked field by field into a `model`; the first bad field's 400."""
    return model(**{name: r.check(doc.get(name)) for name, r in _rules(model)})


def body_schema(model: type[BodyModel]) -> Schema:
    """The model as a JSON Schema object.

    No additionalProperties: false: the hub ignores fields it does not know,
    so older clients and newer hubs keep working together."""
    rules = _rules(model)
    return {
        "type": "object",
        "required": [name for name, r in rules if not r.optional],
        "properties": {name: r.schema() for name, r in rules},
    }


def _refuse(code: str, message: str) -> ApiError:
    return ApiError(400, code, message)


@dataclass(frozen=True)
class Matching:
    """A text matching `pattern` (compiled, checked with `.match` as before)."""

    pattern: re.Pattern[str]
    code: str
    message: str
    description: str | None = None
    optional: bool = False

    def check(self, value: object) -> str:
        if not isinstance(value, str) or not self.pattern.match(value):
            raise _refuse(self.code, self.message)
        return value

    def schema(self) -> Schema:
        out: Schema = {"type": "string", "pattern": self.pattern.pattern}
        if self.description:
            out["description"] = self.description
        return out


@dataclass(frozen=True)
class Choice:
    """One value of a string enum (compared as `str(value)`)."""

    enum: type[Enum]
    code: str
    message: str
    optional: bool = False

    def check(self, value: object) -> Enum:
        try:
            return self.enum(str(value))
        except ValueError:
            raise _refuse(self.code, self.message) from None

    def schema(self) -> Schema:
        return {"type": "string", "enum": [m.value for m in self.enum]}


@dataclass(frozen=True)
class Whole:
    """A whole number (not a boolean) from `minimum` to `maximum`; `nullable`: or null."""

    minimum: int
    maximum: int
    code: str
    message: str
    nullable: bool = False

    @property
    def optional(self) -> bool:
        return self.nullable

    def check(self, value: object) -> int | None:
        if value is None and self.nullable:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise _refuse(self.code, self.message)
        if not self.minimum <= value <= self.maximum:
            raise _refuse(self.code, self.message)
        return value

    def schema(self) -> Schema:
        kind: Any = ["integer", "null"] if self.nullable else "integer"
        return {"type": kind, "minimum": self.minimum, "maximum": self.maximum}


@dataclass(frozen=True)
class Flag:
    """true or false."""

    code: str
    message: str
    optional: bool = False

    def check(self, value: object) -> bool:
        if not isinstance(value, bool):
            raise _refuse(self.code, self.message)
        return value

    def schema(self) -> Schema:
        return {"type": "boolean"}


@dataclass(frozen=True)
class Text:
    """A text of `min_length` to `max_length` characters of printable ASCII."""

    min_length: int
    max_length: int
    code: str
    message: str
    optional: bool = False

    def check(self, value: object) -> str:
        if not isinstance(value, str) or not self.min_length <= len(value) <= self.max_length:
            raise _refuse(self.code, self.message)
        if not (value.isascii() and value.isprintable()):
            raise _refuse(self.code, self.message)
        return value

    def schema(self) -> Schema:
        return {
            "type": "string",
            "minLength": self.min_length,
            "maxLength": self.max_length,
            "pattern": "^[ -~]*$",
        }


@dataclass(frozen=True)
class Strings:
    """A list of texts."""

    code: str
    message: str
    optional: bool = False

    def check(self, value: object) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise _refuse(self.code, self.message)
        return list(value)

    def schema(self) -> Schema:
        return {"type": "array", "items": {"type": "string"}}


@dataclass(frozen=True)
class Base64:
    """Base64 (padding required) of at most `max_bytes` bytes, decoded.

    `exact`: of exactly `max_bytes`; `min_bytes`: of at least that many. With
    either, or a `size_message`, the decoded size is checked as well."""

    what: str
    code: str
    max_bytes: int
    exact: bool = False
    min_bytes: int = 0
    size_message: str | None = None
    optional: bool = False

    def check(self, value: object) -> bytes:
        raw = decode_b64(value, self.max_bytes, self.what, self.code)
        if self.exact and len(raw) != self.max_bytes:
            message = self.size_message or f"{self.what} must be {self.max_bytes} bytes, base64"
            raise _refuse(self.code, message)
        if self.size_message and not self.min_bytes <= len(raw) <= self.max_bytes:
            raise _refuse(self.code, self.size_message)
        return raw

    def schema(self) -> Schema:
        if self.exact:  # one fixed length: spell out the padding it must end with
            full, rest = divmod(self.max_bytes, 3)
            chars = full * 4 + (rest + 1 if rest else 0)
            pad = "=" * (3 - rest if rest else 0)
            pattern = f"^{B64_CHARS}{{{chars}}}{pad}$"
            return {"type": "string", "pattern": pattern, "contentEncoding": "base64"}
        out: Schema = {
            "type": "string",
            "pattern": _B64,
            "maxLength": self.max_bytes * 4 // 3 + 4,
            "contentEncoding": "base64",
            "description": f"base64 of at most about {self.max_bytes} bytes",
        }
        if self.min_bytes:
            out["minLength"] = 4
        return out


@dataclass(frozen=True)
class NonEmptyMap:
    """A non-empty JSON object whose values follow `values`; the handler checks
    its keys and values in context (with `values.check`), so it is kept as is."""

    values: Base64
    code: str
    message: str
    description: str
    optional: bool = False

    def check(self, value: object) -> dict[str, object]:
        if not isinstance(value, dict) or not value:
            raise _refuse(self.code, self.message)
        return value

    def schema(self) -> Schema:
        return {
            "type": "object",
            "minProperties": 1,
            "description": self.description,
            "additionalProperties": self.values.schema(),
        }


@dataclass(frozen=True)
class Normalised:
    """A text put in canonical form by `normalise` (empty: refused)."""

    normalise: Callable[[str], str]
    code: str
    message: str
    description: str
    optional: bool = False

    def check(self, value: object) -> str:
        text = self.normalise("" if value is None else str(value))
        if not text:
            raise _refuse(self.code, self.message)
        return text

    def schema(self) -> Schema:
        return {"type": "string", "description": self.description}


@dataclass(frozen=True)
class Unchecked:
    """Described here, checked by the handler against the site (e.g. a group)."""

    described: Schema
    optional: bool = True

    def check(self, value: object) -> object:
        return value

    def schema(self) -> Schema:
        return dict(self.described)
