"""Turning the markup that sources send into the small, safe HTML the archive stores.

Titles keep inline emphasis (taxon and ship names are italicised), abstracts also keep
paragraphs; everything else is dropped by an allow-list (nh3). JATS and TeX become readable text.
"""

import re
import unicodedata

import nh3

TITLE_TAGS = {"i", "em", "b", "strong", "sub", "sup", "sc"}
ABSTRACT_TAGS = TITLE_TAGS | {"p", "br"}

_BLOCK_END = re.compile(r"</(?:p|div|h[1-6]|li|sec|jats:p|jats:sec|jats:title|title)>", re.I)
_HEADING = re.compile(r"<(h[1-6]|jats:title|title)\b[^>]*>(.*?)</\1>", re.I | re.S)
_JATS_TAG = re.compile(r"<(/?)jats:(italic|bold|sub|sup|sc|p)\b[^>]*>", re.I)
_TEX_MATH = re.compile(r"<tex-math\b[^>]*>(.*?)</tex-math>", re.I | re.S)
_TEX_DELIMITERS = re.compile(r"^\s*(?:\$\$?|\\\(|\\\[)|(?:\$\$?|\\\)|\\\])\s*$")
_ABSTRACT_HEADING = re.compile(r"^\s*<p><b>\s*(?:abstract|summary)\s*[:.]?\s*</b></p>\s*", re.I)
_ABSTRACT_LABEL = re.compile(r"^\s*(?:<p>\s*)?(?:abstract|summary)\b\s*[:.\-–—]?\s*", re.I)
# Text without these characters is already what nh3 would return, so the sanitiser is skipped.
_NEEDS_SANITISING = re.compile(r"[<>&]")
_ASCII_CONTROLS = {code: None for code in [*range(0, 9), *range(11, 32), 127]}
# Runs of spaces and tabs that need collapsing; a single space (the common case) is left alone,
# so clean text passes without a replacement at every word.
_SPACES = re.compile(r" *[\t\r\f\v][ \t\r\f\v]*| {2,}")
_LINE_BREAK = re.compile(r"\s*\n\s*")
_SPACING = ("  ", "\t", "\r", "\f", "\v")
_JATS_NAMES = {"italic": "i", "bold": "b", "sub": "sub", "sup": "sup", "sc": "sc", "p": "p"}


def _collapse_spaces(text: str) -> str:
    """_SPACES.sub(" ", text), without scanning text that has nothing for it to replace."""
    if any(spacing in text for spacing in _SPACING):
        return _SPACES.sub(" ", text)
    return text


def _tex_to_text(match: re.Match) -> str:
    tex = _TEX_DELIMITERS.sub("", match.group(1))
    return tex.replace("\\,", " ").replace("\\ ", " ").strip()


def _common(value: str) -> str:
    text = unicodedata.normalize("NFC", value or "")
    if "<" in text:  # every pattern below starts with a tag; most text has none
        text = _TEX_MATH.sub(_tex_to_text, text)
        text = _JATS_TAG.sub(lambda m: f"<{m.group(1)}{_JATS_NAMES[m.group(2).lower()]}>", text)
    return text


def clean_title(value: str | None) -> str:
    """A title as safe inline HTML on one line."""
    text = _common(value or "")
    if _NEEDS_SANITISING.search(text):
        text = nh3.clean(text, tags=TITLE_TAGS, attributes={})
    return _collapse_spaces(text.replace("\n", " ")).strip()


def clean_abstract(value: str | None) -> str:
    """An abstract as safe HTML, without a leading "Abstract" label."""
    text = _common(value or "")
    if "<" in text:
        text = _HEADING.sub(lambda m: f"<p><b>{m.group(2).strip()}</b></p>", text)
        text = _BLOCK_END.sub(lambda m: m.group(0) + " ", text)
    if _NEEDS_SANITISING.search(text):
        text = nh3.clean(text, tags=ABSTRACT_TAGS, attributes={})
    text = _collapse_spaces(text).strip()
    if "\n" in text:
        text = _LINE_BREAK.sub("\n", text)
    if "<" in text:
        text = _ABSTRACT_HEADING.sub("", text)
    if label := _ABSTRACT_LABEL.match(text):  # anchored: at most one, at the start
        text = ("<p>" if label.group(0).lstrip().startswith("<p>") else "") + text[label.end() :]
    if "<p></p>" in text:
        text = text.replace("<p></p>", "")
    return text.strip()


def clean_text(value) -> str:
    """A plain single-line value: NFC, no control characters, spaces collapsed."""
    if value is None:
        return ""
    if type(value) is not str:
        value = str(value)
    if value.isascii() and value.isprintable():
        # Printable ASCII (most values): nothing to normalise or drop, only spaces to collapse.
        return (_SPACES.sub(" ", value) if "  " in value else value).strip()
    text = unicodedata.normalize("NFC", str(value))
    if text.isascii():
        text = text.translate(_ASCII_CONTROLS)
    else:
        text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\t\n")
    return _collapse_spaces(text.replace("\n", " ")).strip()


def clean_paragraphs(value) -> str:
    """Plain text that may run over several lines (a biography, a description): NFC, no control
    characters, line breaks kept as "\\n", spaces collapsed within each line."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\t\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
