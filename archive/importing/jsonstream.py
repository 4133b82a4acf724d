"""Reading JSON files of any size record by record: an object, an array, or JSON Lines."""

import io
from collections.abc import Iterator

import ijson
import orjson
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from archive.importing.canonical import may_hold_long_integer
from archive.importing.cleaning import clean_text

_NOT_UTF8 = gettext_lazy(
    "The file is not UTF-8 text. Save it as UTF-8; files in GBK, Big5 or other legacy encodings "
    "are not accepted."
)


class JSONFileError(ValueError):
    """The file is not the JSON it should be."""


def _first_byte(stream) -> tuple[bytes, io.BufferedReader]:
    reader = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(stream)
    head = reader.peek(4)[:4]
    if head.startswith(b"\xef\xbb\xbf"):
        reader.read(3)
    while True:
        peeked = reader.peek(64)
        if not peeked:
            return b"", reader
        stripped = peeked.lstrip(b" \t\r\n")
        if stripped:
            return stripped[:1], reader
        reader.read(len(peeked))


def _start(stream) -> tuple[bytes, io.BufferedReader]:
    first, reader = _first_byte(stream)
    if not first:
        raise JSONFileError(_("The file is empty."))
    if first not in (b"{", b"["):
        if reader.peek(2)[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise JSONFileError(str(_NOT_UTF8))
        raise JSONFileError(_("The file is not JSON: it should start with { or [."))
    return first, reader


def iter_values(stream, *, array_path: str = "item") -> Iterator[tuple[int, object]]:
    """Yield (number, value) for each top-level value, or each item of a top-level array."""
    first, reader = _start(stream)
    if first == b"[":
        values = ijson.items(reader, array_path, use_float=True)
    else:
        values = _lines_then_events(reader)
    yield from _numbered(values)


class _Resumed:
    """The rest of a stream, starting with bytes already read from it."""

    def __init__(self, head: bytes, rest):
        self.head, self.rest = head, rest

    def read(self, size=-1) -> bytes:
        if self.head and size != 0:
            head, self.head = self.head, b""
            return head
        return self.rest.read(size)


def _lines_then_events(reader) -> Iterator[object]:
    """Top-level values, read a line at a time while each line holds one (JSON Lines, where
    orjson parses a record several times faster than ijson's events build it); from the first
    line that does not (a value spread over lines, two on a line, a number orjson refuses),
    ijson reads the rest, so every file reads as it would with ijson alone."""
    for line in reader:
        if line.isspace():
            continue
        # 19 digits in a row may be an integer past 64 bits, which orjson would read as a float:
        # ijson reads such a line exactly or refuses it, as it did before.
        if not may_hold_long_integer(line):
            try:
                value = orjson.loads(line)
            except orjson.JSONDecodeError:
                pass
            else:
                yield value
                continue
        yield from ijson.items(_Resumed(line, reader), "", multiple_values=True, use_float=True)
        return


def iter_records(stream, *, lists: tuple[str, ...] = ()) -> Iterator[tuple[int, object]]:
    """Yield (number, value) for each top-level value, each item of a top-level array, and each
    item of a list that a top-level object holds at one of `lists` (dotted paths such as "data" or
    "message.items"), which then stands for its items. Items are built one at a time."""
    _first, reader = _start(stream)
    events = ijson.parse(reader, multiple_values=True, use_float=True)
    yield from _numbered(_records(events, {f"{path}.item" for path in lists}))


def _records(events, item_prefixes: set[str]) -> Iterator[object]:
    top = item = None  # builders of the top-level object and of the list item being read
    streaming = ""  # the prefix of the items being yielded one by one ("item", "data.item")
    held_list = False  # whether the top-level object's records are the items of a list in it
    for prefix, event, value in events:
        if item is None and streaming and prefix == streaming:
            item = ijson.ObjectBuilder()
        if item is not None:
            item.event(event, value)
            if not item.containers:
                yield item.value
                item = None
            continue
        if top is None and prefix == "" and event in ("start_array", "end_array"):
            streaming = "item" if event == "start_array" else ""
            continue
        if top is None:
            top, held_list = ijson.ObjectBuilder(), False
        if event == "start_array" and f"{prefix}.item" in item_prefixes:
            streaming, held_list = f"{prefix}.item", True
        elif event == "end_array" and streaming == f"{prefix}.item":
            streaming = ""
        top.event(event, value)
        if not top.containers:
            if not held_list:
                yield top.value
            top = None


def _numbered(values) -> Iterator[tuple[int, object]]:
    number = 0
    try:
        for number, value in enumerate(values, start=1):
            yield number, value
    except (ijson.JSONError, UnicodeDecodeError) as error:
        message = str(error)
        if isinstance(error, UnicodeDecodeError) or "UTF8" in message:
            raise JSONFileError(str(_NOT_UTF8)) from error
        if "premature EOF" in message:
            raise JSONFileError(
                _("The file is not valid JSON: it ends in the middle of record %(number)s.")
                % {"number": number + 1}
            ) from error
        raise JSONFileError(
            _("Record %(number)s is not valid JSON (%(problem)s).")
            % {"number": number + 1, "problem": message.strip().splitlines()[0]}
        ) from error


# Reading decoded records whose fields may be null, missing or of an unexpected type.


def text(value) -> str:
    """A string or number as clean one-line text; "" for null, true/false, objects and arrays."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return ""
    return clean_text(value)


def obj(value) -> dict:
    return value if isinstance(value, dict) else {}


def array(value) -> list:
    return value if isinstance(value, list) else []


def objects(value) -> list[dict]:
    return [item for item in array(value) if isinstance(item, dict)]
