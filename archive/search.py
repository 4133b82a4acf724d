"""One search box that behaves the same on SQLite and PostgreSQL.

Each publication, person, event and journal keeps in `search_text` the normalised text of
everything a reader may look it up by (its own fields and those of related rows). A query is
normalised the same way and every word of it must occur in `search_text` as a substring. That is
all both databases are asked to do (`LIKE '%word%'`), so they answer alike: no collations, no
`unaccent`, no full-text dictionaries. Substrings also suit Chinese, which has no spaces between
words. PostgreSQL speeds the scan with a pg_trgm GIN index (migration 0004) and looks
publications' words up in a vocabulary of their words with its postings (migration 0010); SQLite
looks up publications' words of three characters or more in an FTS5 trigram index
(migration 0006) and shorter CJK words in a table of CJK characters and pairs (0008), and scans
for the rest (`search_index.py`).

`search_text` is recomputed by the record's save() from what it holds and, in bulk, by
`search_index_refresh()`, which whatever writes related rows (admin inlines, imports, merges) calls
afterwards; `manage.py rebuild_search_index` recomputes everything.

Search text holds only what a reader sees on the public site. A publication shows the name printed
for each author always, but its authors' names and variants and its journal's name only while
those records are published, so publishing or unpublishing a person or journal refreshes the
publications that name them (`search_index_refresh_mentions`). People, events and journals are
found by what they hold themselves (an event's place is its own text, not a record), never by
other records.
"""

import html
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from django.apps import apps as installed_apps
from django.db import connection, transaction
from django.db.models import Model, Prefetch, QuerySet
from django.utils.html import strip_tags

from archive import search_index
from archive.models.base import Status

BATCH_SIZE = 500

# Latin letters that Unicode does not decompose into a base letter and a mark (ISO 8859-2 and
# Nordic names: Gomułka, Ørsted, Đilas), folded as library catalogues fold them.
_LATIN_FOLDS = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h"}
)


def normalise(text) -> str:
    """Text as it is searched: markup dropped, compatibility forms unified (NFKD: full-width
    ＣＯＬＤ is COLD), accents removed, case folded (Unicode default caseless matching), spaces
    collapsed. Chinese and Cyrillic keep their letters (ё becomes е, as Russian indexes do)."""
    if not text:
        return ""
    text = str(text)
    if "<" in text or "&" in text:
        text = html.unescape(strip_tags(text))
    if text.isascii():
        # Nothing to decompose or fold: the common case, done without a loop over characters.
        # (str.split() splits where the regular expression \s does, and faster.)
        return " ".join(text.casefold().split())
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    folded = unicodedata.normalize("NFKC", bare.casefold()).translate(_LATIN_FOLDS)
    return " ".join(folded.split())


def search_terms(query) -> list[str]:
    """The words of a query, normalised, each of which a record must contain."""
    return normalise(query).split()


def search_filter(queryset: QuerySet, query) -> QuerySet:
    """The records of `queryset` whose search text contains every word of `query`."""
    for condition in search_index.containing_all(queryset.model, search_terms(query)):
        queryset = queryset.filter(condition)
    return queryset


def _joined(parts: Iterable) -> str:
    return _lines(map(normalise, parts))


def _lines(normalised: Iterable[str]) -> str:
    # A line per part, so that a word can never be found across two fields.
    seen = []
    for part in normalised:
        if part and part not in seen:
            seen.append(part)
    return "\n".join(seen)


# Names recur across thousands of publications in an import; each is normalised once.
_normalised_name = lru_cache(maxsize=65536)(normalise)


# Each function reads related rows through the record's managers, so prefetched rows are used
# when present; a record not yet saved has no related rows to read. They use fields only (no
# model methods), so the data migration can call them with historical models.


def search_text_for_publication(publication) -> str:
    saved = bool(publication.pk)
    journal = publication.journal if publication.journal_id else None
    return publication_search_text(
        title=publication.title,
        titles=[t.title for t in publication.translated_titles.all()] if saved else [],
        abstract=publication.abstract,
        abstracts=[a.text for a in publication.translated_abstracts.all()] if saved else [],
        authorships=[_shown_authorship(a) for a in publication.authorships.all()] if saved else [],
        journal=journal.name if _published(journal) else "",
    )


def _published(record) -> bool:
    return record is not None and record.status == Status.PUBLISHED


def _shown_authorship(authorship) -> tuple[str, str, list[str]]:
    """The name printed is the publication's own; the person's names are shown while the person is
    published."""
    person = authorship.person
    if not _published(person):
        return (authorship.name_as_printed, "", [])
    return (authorship.name_as_printed, person.display_name, [v.name for v in person.names.all()])


def publication_search_text(
    *,
    title: str,
    titles: list[str],
    abstract: str,
    abstracts: list[str],
    authorships: list[tuple[str, str, list[str]]],
    journal: str,
) -> str:
    """A publication's search text from its parts: translations in the order of their language,
    authorships (name as printed, the person's name, its variants) in the order of role and
    position. Imports call it with what they are writing, so nothing is read back; the names of
    draft people and a draft journal are given blank."""
    parts = [normalise(text) for text in (title, *titles, abstract, *abstracts)]
    for printed, display_name, variants in authorships:
        parts += [_normalised_name(name) for name in (printed, display_name, *variants)]
    parts.append(_normalised_name(journal))
    return _lines(parts)


def search_text_for_person(person) -> str:
    variants = [variant.name for variant in person.names.all()] if person.pk else []
    return person_search_text(person.display_name, variants)


def person_search_text(display_name: str, variants: list[str]) -> str:
    return _joined([display_name, *variants])


def search_text_for_event(event) -> str:
    parts = [event.title]
    if event.pk:
        parts += [translation.title for translation in event.translations.all()]
    parts += [event.place, event.description]
    return _joined(parts)


def search_text_for_journal(journal) -> str:
    parts = [journal.name]
    if journal.pk:
        parts += [other.name for other in journal.other_names.all()]
    for issn in (journal.issn_print, journal.issn_electronic):
        if issn:
            parts += [issn, issn.replace("-", "")]
    return _joined(parts)


def _kinds(apps):
    """Model name -> (model, what its search text reads, its search text function)."""
    person_model = apps.get_model("archive", "Person")
    return {
        "publication": (
            apps.get_model("archive", "Publication"),
            (
                "translated_titles",
                "translated_abstracts",
                "journal",
                Prefetch(
                    "authorships",
                    queryset=apps.get_model("archive", "Authorship").objects.select_related(
                        "person"
                    ),
                ),
                Prefetch("authorships__person__names"),
            ),
            search_text_for_publication,
        ),
        "person": (person_model, ("names",), search_text_for_person),
        "event": (apps.get_model("archive", "Event"), ("translations",), search_text_for_event),
        "journal": (
            apps.get_model("archive", "Journal"),
            ("other_names",),
            search_text_for_journal,
        ),
    }


def _pks(records) -> set:
    return {record.pk if isinstance(record, Model) else record for record in records}


def _write_search_text(model, records) -> None:
    # One prepared UPDATE run for every row: bulk_update's CASE expression over hundreds of rows
    # costs far more on both databases, and only this one column changes.
    if not records:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET search_text = %s WHERE id = %s",
            [(record.search_text, record.pk) for record in records],
        )


def _recompute(kind, pks, *, apps=installed_apps) -> int:
    """Recompute the search text of the records of one kind (all when `pks` is None), in batches
    of a few queries each; only rows whose text changed are written. Returns how many changed."""
    model, prefetches, build = _kinds(apps)[kind]
    queryset = model._base_manager.order_by("pk")
    if any(field.name == "raw_record" for field in model._meta.fields):
        queryset = queryset.defer("raw_record")  # large, and not searched
    if pks is not None:
        queryset = queryset.filter(pk__in=pks)
    changed = 0
    last_pk = 0
    while True:
        batch = list(queryset.filter(pk__gt=last_pk).prefetch_related(*prefetches)[:BATCH_SIZE])
        if not batch:
            return changed
        last_pk = batch[-1].pk
        stale = []
        for record in batch:
            text = build(record)
            if text != record.search_text:
                record.search_text = text
                stale.append(record)
        _write_search_text(model, stale)
        changed += len(stale)
        if len(batch) < BATCH_SIZE:
            return changed


@transaction.atomic
def search_index_refresh(*, publications=None, people=None, events=None, journals=None) -> int:
    """Recompute the search text of the records given (instances or primary keys) after their
    related rows changed, and of the publications whose text shows them: the works of the people
    given and the publications in the journals given. Returns how many records changed."""
    publication_pks = _pks(publications or ())
    if people:
        authorship = installed_apps.get_model("archive", "Authorship")
        publication_pks.update(
            authorship.objects.filter(person__in=_pks(people)).values_list(
                "publication_id", flat=True
            )
        )
    if journals:
        publication = installed_apps.get_model("archive", "Publication")
        publication_pks.update(
            publication.objects.filter(journal__in=_pks(journals)).values_list("pk", flat=True)
        )
    changed = 0
    for kind, pks in (
        ("person", _pks(people or ())),
        ("event", _pks(events or ())),
        ("journal", _pks(journals or ())),
        ("publication", publication_pks),
    ):
        if pks:
            changed += _recompute(kind, pks)
    return changed


# What other records' search text shows of a kind of record, by the keyword of
# search_index_refresh: a publication shows its authors and its journal while they are published.
_MENTIONED = {"person": "people", "journal": "journals"}


def search_index_mentions(model) -> bool:
    """Whether other records' search text shows records of `model`, depending on their status."""
    return model._meta.model_name in _MENTIONED


def search_index_refresh_mentions(*, model, pks) -> int:
    """After records of `model` (primary keys) were published or unpublished: refresh the search
    text of the records that name them. Returns how many records changed."""
    keyword = _MENTIONED.get(model._meta.model_name)
    if keyword is None or not pks:
        return 0
    return search_index_refresh(**{keyword: pks})


def search_index_hide_drafts(*, apps=installed_apps) -> int:
    """Recompute the search text of the publications that name a draft person or journal, once:
    text written before drafts were left out showed their names (migration 0009)."""
    published = Status.PUBLISHED
    authorship = apps.get_model("archive", "Authorship")
    publication = apps.get_model("archive", "Publication")
    pks = set(
        authorship.objects.exclude(person__status=published).values_list(
            "publication_id", flat=True
        )
    )
    pks.update(
        publication.objects.filter(journal__isnull=False)
        .exclude(journal__status=published)
        .values_list("pk", flat=True)
    )
    with transaction.atomic():
        return _recompute("publication", pks, apps=apps) if pks else 0


def search_index_rebuild(*, apps=installed_apps) -> dict[str, int]:
    """Recompute every record's search text; how many changed, by kind. The data migration passes
    its historical `apps`."""
    with transaction.atomic():
        return {kind: _recompute(kind, None, apps=apps) for kind in _kinds(apps)}


class SearchIndexAdminMixin:
    """For a ModelAdmin of a public record: refresh its search text once its inlines are saved
    (the record's own save() ran before they were)."""

    _KEYWORDS = {
        "publication": "publications",
        "person": "people",
        "event": "events",
        "journal": "journals",
    }

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        keyword = self._KEYWORDS[form.instance._meta.model_name]
        search_index_refresh(**{keyword: [form.instance]})
