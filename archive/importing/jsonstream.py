"""Reading JSON files of any size record by record: an object, an array, or JSON Lines."""

import io
from collections.abc import Iterator

import ijson


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


def iter_values(stream, *, array_path: str = "item") -> Iterator[tuple[int, object]]:
    """Yield (number, value) for each top-level value, or each item of a top-level array."""
    first, reader = _first_byte(stream)
    if not first:
        raise JSONFileError("The file is empty.")
    if first not in (b"{", b"["):
        raise JSONFileError("The file is not JSON: it should start with { or [.")
    if first == b"[":
        values = ijson.items(reader, array_path, use_float=True)
    else:
        values = ijson.items(reader, "", multiple_values=True, use_float=True)
    number = 0
    try:
        for number, value in enumerate(values, start=1):
            yield number, value
    except (ijson.JSONError, UnicodeDecodeError) as error:
        message = str(error)
        if isinstance(error, UnicodeDecodeError) or "UTF8" in message:
            raise JSONFileError(
                "The file is not UTF-8 text. Save it as UTF-8; files in GBK, Big5 or other "
                "legacy encodings are not accepted."
            ) from error
        if "premature EOF" in message:
            raise JSONFileError(
                f"The file is not valid JSON: it ends in the middle of record {number + 1}."
            ) from error
        raise JSONFileError(
            f"Record {number + 1} is not valid JSON ({message.strip().splitlines()[0]})."
        ) from error
