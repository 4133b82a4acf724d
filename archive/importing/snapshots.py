"""What a publication and its relations were before an import touched them.

Used to tell unchanged rows from changed ones without a query per row, and stored with each
import so that the import can be undone.
"""

from collections import defaultdict

from archive.importing.matching import chunked
from archive.models import Authorship, Publication, PublicationAbstract, PublicationTitle

SNAPSHOT_FIELDS = [
    field.attname
    for field in Publication._meta.concrete_fields
    if field.name not in ("id", "slug", "created_at")
]


def _fields(publication: Publication) -> dict:
    return {name: getattr(publication, name) for name in SNAPSHOT_FIELDS}


def publication_snapshots(publications: list[Publication]) -> dict[int, dict]:
    """{pk: {"fields", "authors", "titles", "abstracts", "keywords"}} in five queries a chunk."""
    snapshots = {
        p.pk: {
            "fields": _fields(p),
            "authors": [],
            "others": [],
            "titles": {},
            "abstracts": {},
            "keywords": set(),
        }
        for p in publications
    }
    ids = list(snapshots)
    for part in chunked(ids):
        for publication_id, person_id, name, position, role in (
            Authorship.objects.filter(publication_id__in=part)
            .order_by("publication_id", "role", "position")
            .values_list("publication_id", "person_id", "name_as_printed", "position", "role")
        ):
            entry = {"person": person_id, "name": name, "position": position, "role": role}
            key = "authors" if role == Authorship.Role.AUTHOR else "others"
            snapshots[publication_id][key].append(entry)
        for model, key, text in (
            (PublicationTitle, "titles", "title"),
            (PublicationAbstract, "abstracts", "text"),
        ):
            for pk, publication_id, language, value, machine in model.objects.filter(
                publication_id__in=part
            ).values_list("pk", "publication_id", "language", text, "is_machine_translation"):
                snapshots[publication_id][key][language] = (pk, value, machine)
        through = Publication.keywords.through
        keywords = defaultdict(set)
        for publication_id, name in through.objects.filter(publication_id__in=part).values_list(
            "publication_id", "keyword__name"
        ):
            keywords[publication_id].add(name)
        for publication_id, names in keywords.items():
            snapshots[publication_id]["keywords"] = names
    return snapshots
