"""Readable Latin slugs for records named in any script.

`slugify` alone drops Chinese and Cyrillic; `anyascii` transliterates them first (毛泽东 -> mao-ze-dong,
Хрущёв -> khrushchev). Each Han character is its own syllable, so it is spaced out before joining.
"""

import re

from anyascii import anyascii
from django.utils.text import slugify

MAX_LENGTH = 80
_HAN = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])")


def transliterate(text: str) -> str:
    return anyascii(_HAN.sub(r" \1 ", text or ""))


def base_slug(text: str, fallback: str = "record") -> str:
    slug = slugify(text if text.isascii() else transliterate(text))[:MAX_LENGTH].strip("-")
    return slug or fallback


def unique_slug(model, text: str, *, instance_pk=None, fallback: str = "record") -> str:
    """A slug for `text` not yet used by another row of `model` (`-2`, `-3`, … when taken)."""
    base = base_slug(text, fallback)
    taken = set(
        model._default_manager.filter(slug__startswith=base)
        .exclude(pk=instance_pk)
        .values_list("slug", flat=True)
    )
    if base not in taken:
        return base
    counter = 2
    while f"{base}-{counter}" in taken:
        counter += 1
    return f"{base}-{counter}"
