"""People in the archive's own CSV: one row per person, with every other name they go by.

Matching, in order: ORCID, Wikidata, VIAF, slug, then the normalised name (archive.names) against
display names and name variants. A name shared by several people is not guessed at: the row
must then give the slug or an identifier.
"""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _
from import_export import fields

from archive import names
from archive.identifiers import normalize_orcid, normalize_viaf, normalize_wikidata
from archive.importing import canonical
from archive.importing.cleaning import clean_paragraphs, clean_text
from archive.importing.entities import EntityResource, json_items, listing, validate_item
from archive.models import Person, PersonName

PERSON_COLUMNS = [
    "slug",
    "display_name",
    "family_name",
    "given_names",
    "name_variants",
    "birth_date",
    "death_date",
    "biography",
    "orcid",
    "wikidata",
    "viaf",
]
NAME_VARIANTS_EXAMPLE = '[{"name": "毛泽东", "language": "zh-Hans", "kind": "native"}]'
IDENTIFIERS = {"orcid": "ORCID iD", "wikidata": "Wikidata item", "viaf": "VIAF id"}


def clean_name(value) -> str:
    return names.normalize(clean_text(value))


class PersonResource(EntityResource):
    """Rows of the people CSV <-> people with their name variants."""

    name_variants = fields.Field(column_name="name_variants", readonly=True)

    required_columns = ("display_name",)
    relation_columns = ("name_variants",)
    cleaners = {
        "display_name": clean_name,
        "family_name": clean_name,
        "given_names": clean_name,
        "birth_date": clean_text,
        "death_date": clean_text,
        "biography": clean_paragraphs,
        "orcid": lambda value: normalize_orcid(clean_text(value)),
        "wikidata": lambda value: normalize_wikidata(clean_text(value)),
        "viaf": lambda value: normalize_viaf(clean_text(value)),
    }

    class Meta:
        model = Person
        fields = PERSON_COLUMNS
        import_order = PERSON_COLUMNS
        export_order = PERSON_COLUMNS

    # --- matching --------------------------------------------------------------------------

    def match(self, row):
        for column in IDENTIFIERS:
            if row.get(column):
                found = Person.objects.filter(**{column: row[column]}).first()
                if found:
                    return found
        if row.get("slug"):
            found = Person.objects.filter(slug=row["slug"]).first()
            if found:
                return found
        key = names.match_key(row.get("display_name", ""))
        if not key:
            return None
        candidates = Person.objects.filter(Q(name_key=key) | Q(names__name_key=key))
        for column in IDENTIFIERS:
            # Someone of the same name with another ORCID (Wikidata, VIAF) is someone else.
            if row.get(column):
                candidates = candidates.filter(**{column: ""})
        found = list(candidates.distinct().order_by("pk")[:6])
        if len(found) > 1:
            raise ValidationError(
                {
                    "display_name": _(
                        "%(count)s people in the archive are called “%(name)s” (%(slugs)s); add "
                        "the slug or an identifier to say which."
                    )
                    % {
                        "count": len(found),
                        "name": row["display_name"],
                        "slugs": listing(p.slug for p in found),
                    }
                }
            )
        return found[0] if found else None

    def complete(self, instance, row):
        if instance.display_name and not (instance.family_name or instance.given_names):
            instance.family_name, instance.given_names = names.split(instance.display_name)

    # --- name variants ---------------------------------------------------------------------

    def read_name_variants(self, cell, *, row, instance):
        variants, errors = set(), []
        seen: set[str] = set()
        for number, item in enumerate(json_items(cell, example=NAME_VARIANTS_EXAMPLE), start=1):
            name = clean_name(item.get("name"))
            variant = PersonName(
                name=name,
                language=clean_text(item.get("language")),
                kind=clean_text(item.get("kind")) or PersonName.Kind.VARIANT,
            )
            errors += validate_item(variant, exclude=["person"], number=number, label=name)
            if name in seen:
                errors.append(_("“%(name)s” is listed twice.") % {"name": name})
            seen.add(name)
            variants.add((variant.name, variant.language, variant.kind))
        if errors:
            raise ValidationError(errors)
        return variants

    def name_variants_unchanged(self, person, value):
        return _variants(person) == value

    def save_name_variants(self, instance, value, *, row_number):
        current = {variant.name: variant for variant in instance.names.all()}
        wanted = {name: (language, kind) for name, language, kind in value}
        instance.names.exclude(name__in=wanted).delete()
        for name, (language, kind) in wanted.items():
            variant = current.get(name)
            if variant is None:
                PersonName.objects.create(person=instance, name=name, language=language, kind=kind)
            elif (variant.language, variant.kind) != (language, kind):
                variant.language, variant.kind = language, kind
                variant.save(update_fields=["language", "kind"])

    # --- export ----------------------------------------------------------------------------

    def with_relations(self, queryset):
        return queryset.prefetch_related(
            Prefetch("names", queryset=PersonName.objects.order_by("kind", "name", "pk"))
        )

    def dehydrate_name_variants(self, person):
        return canonical.dump_json(
            [
                {"name": variant.name, "language": variant.language, "kind": variant.kind}
                for variant in person.names.all()
            ]
        )


def _variants(person: Person) -> set[tuple[str, str, str]]:
    return {
        (clean_name(variant.name), clean_text(variant.language), variant.kind)
        for variant in person.names.all()
    }
