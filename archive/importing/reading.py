"""What every reader of an import file shares: the one message a curator sees when a file cannot
be read at all, and UTF-8 decoding (the only text encoding the archive accepts)."""

from django.utils.translation import gettext as _


class ImportFileError(ValueError):
    """The file cannot be read at all; the message says why, in the curator's words."""


def not_utf8(byte: int | None = None) -> ImportFileError:
    """The error for text that is not UTF-8; `byte` is the 0-based offset of the first bad byte."""
    if byte is None:
        return ImportFileError(
            _(
                "The file is not UTF-8 text. Save it as UTF-8; files in GBK, Big5 or other legacy "
                "encodings are not accepted."
            )
        )
    return ImportFileError(
        _(
            "The file is not UTF-8 text (byte %(byte)s cannot be read). Save it as UTF-8; files "
            "in GBK, Big5 or other legacy encodings are not accepted."
        )
        % {"byte": byte + 1}
    )


def decode_text(data: bytes) -> str:
    """UTF-8 text, with or without a byte-order mark; anything else is refused clearly."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # The decoder reports offsets after the byte-order mark it dropped.
        raise not_utf8(len(data) - len(error.object) + error.start) from error
