"""Hostile data stays inert: records whose every field holds markup, script, event handlers,
`javascript:` and `data:` addresses, spreadsheet formulas, control characters and over-long text,
on every public page and download in both languages, in the admin and in the import preview.

A page passes when a browser would run nothing that came from the data: no element gets an event
handler, no link or source leads to a script address, no script element holds anything but a
data block that parses as JSON. Every script the payloads write calls `zxss`, so what the site
itself puts in the admin (its own hashed handlers, its scripts) is told apart from the data.
"""

import csv
import io
import json
import re
from html.parser import HTMLParser
from xml.etree import ElementTree

import bibtexparser
import openpyxl
import pytest
import rispy
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from archive.exporting.csl import plain_text
from archive.exporting.formats import EXPORT_FORMATS, FORMULA_PREFIXES
from archive.importing import canonical
from archive.importing.formats import PUBLICATION_FORMATS, PublicationCSV
from archive.models import (
    EventTitle,
    Journal,
    JournalIdentifier,
    Keyword,
    Person,
    Publication,
    PublicationAbstract,
    Status,
)
from tests.factories import (
    add_author,
    add_event_publication,
    add_journal_metric,
    add_journal_name,
    add_participant,
    add_person_name,
    add_subject,
    add_translated_title,
    make_event,
    make_journal,
    make_person,
    make_publication,
)
from tests.test_drafts import LANGUAGE_PREFIXES, SITE_ADDRESSES, body, kind_of, path
from tests.test_drafts import public_url_names as archive_url_names

pytestmark = pytest.mark.django_db

MARK = "zxss"
MARKUP = (
    f"<script>{MARK}(1)</script><img src=x onerror={MARK}(2)>"
    f'<svg onload={MARK}(3)></svg><a href="javascript:{MARK}(4)">a</a>'
    f'<iframe src="data:text/html,{MARK}"></iframe><style>*{{}}</style><span style="x">s</span>'
)
BREAKOUT = f'</script><script>{MARK}(5)</script><!-- "><b onmouseover={MARK}(6)>'
ATTRIBUTE = f"\" onfocus='{MARK}(7)' autofocus x=\""
# NUL cannot be stored in PostgreSQL's text at all; SQLite keeps what a raw write gives it.
NUL = "\x00" if connection.vendor == "sqlite" else ""
CONTROL = f"\x08\u2028\u2029\u202e{NUL}\u200f\x1b"
HOSTILE = f"Hostile {MARKUP}{BREAKOUT}{CONTROL}"
LONG = "Over-long " + "text " * 2_400  # 12,010 characters
SCRIPT_ADDRESSES = [
    f"javascript:{MARK}(8)",
    f"JaVaScRiPt:{MARK}(9)",
    f" javascript:{MARK}(10)",
    f"java\tscript:{MARK}(11)",
    "data:text/html;base64,PHNjcmlwdD56eHNzKDE0KTwvc2NyaXB0Pg==",  # <script>zxss(14)</script>
    f"vbscript:{MARK}(12)",
]
FORMULAS = ['=HYPERLINK("https://evil.example","x")', "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"]
DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:")
LINK_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "srcdoc"}
DATA_SCRIPT_TYPES = {"application/ld+json", "application/json"}
FOREIGN_ELEMENTS = {"iframe", "object", "embed", "base", "frame", "applet", "img", "svg"}


def short(text: str, length: int) -> str:
    """As much of `text` as a field of `length` characters holds (PostgreSQL enforces it)."""
    return text[:length]


@pytest.fixture
def hostile():
    """Published records of every kind, linked to each other, with hostile values everywhere."""
    journal = make_journal(
        name=short(f"Journal {HOSTILE}", 300),
        publisher=FORMULAS[0],
        homepage=SCRIPT_ADDRESSES[0],
        issn_print="=1+1",
    )
    add_journal_name(journal, short(HOSTILE, 300), language=short(ATTRIBUTE, 35))
    JournalIdentifier.objects.create(journal=journal, scheme="booksci", value=FORMULAS[3])
    add_journal_metric(
        journal, year=2023, quartile="Q1", category=short(HOSTILE, 200), source=FORMULAS[1]
    )
    for number, address in enumerate(SCRIPT_ADDRESSES[1:]):
        make_journal(name=f"Journal at a script address {number}", homepage=address)

    person = make_person(
        short(f"Person {HOSTILE}", 300),
        family_name=FORMULAS[0],
        given_names=FORMULAS[2],
        biography=LONG + HOSTILE,
        orcid=SCRIPT_ADDRESSES[0],
        wikidata=SCRIPT_ADDRESSES[4][:100],
        viaf=SCRIPT_ADDRESSES[5],
    )
    add_person_name(person, short(HOSTILE, 300), language=short(ATTRIBUTE, 35))
    for number, formula in enumerate(FORMULAS):
        make_person(f"{formula} {number}", biography=formula)

    event = make_event(
        short(f"Event {HOSTILE}", 300),
        date="1954-09/1954-10",
        place=short(f"Place {HOSTILE}", 200),
        description=LONG + HOSTILE,
    )
    EventTitle.objects.create(event=event, language=short(ATTRIBUTE, 35), title=short(HOSTILE, 300))
    part = make_event(FORMULAS[4] + " part", date="1954-09-30", parent=event, place=FORMULAS[0])
    event.related.add(part)
    add_participant(event, person, short(HOSTILE, 200))

    # An unclosed "<!--" in markup hides what follows it: the long text comes first.
    publication = make_publication(
        f"Title {LONG}{HOSTILE}",
        language=short(ATTRIBUTE, 35),
        abstract=f"{LONG}{HOSTILE}",
        journal=journal,
        doi=f"10.5555/{MARK}<script>{MARK}(13)</script>",
        url=SCRIPT_ADDRESSES[0],
        pdf_url=SCRIPT_ADDRESSES[4],
        volume=FORMULAS[1],
        issue=short(BREAKOUT, 50),
        first_page=FORMULAS[2],
        last_page=short(ATTRIBUTE, 30),
        source_platform=short(HOSTILE, 100),
        source_id=short(HOSTILE, 200),
        raw_record={"title": HOSTILE, FORMULAS[0]: ATTRIBUTE},
        is_open_access=True,
    )
    add_author(publication, person, name_as_printed=short(HOSTILE, 300))
    add_translated_title(publication, HOSTILE, language=short(ATTRIBUTE, 35))
    PublicationAbstract.objects.create(
        publication=publication, language=short(ATTRIBUTE, 35), text=HOSTILE
    )
    publication.keywords.add(Keyword.objects.create(name=short(HOSTILE, 200)))
    add_subject(publication, person, pages=short(BREAKOUT, 100))
    add_event_publication(event, publication, pages=short(ATTRIBUTE, 100))
    for number, address in enumerate(SCRIPT_ADDRESSES[1:]):
        make_publication(
            f"Publication at a script address {number}",
            url=address,
            pdf_url=address,
            doi=f"10.5555/address.{number}",
        )
    for number, formula in enumerate(FORMULAS):
        make_publication(
            formula,
            abstract=formula,
            volume=formula[:50],
            journal=journal,
            authors=[person],
            doi=f"10.5555/formula.{number}",
        )
    return {"publication": publication, "person": person, "event": event, "journal": journal}


# --- what a browser would run ---------------------------------------------------------------


class Inert(HTMLParser):
    """Collects what in a page a browser would run, load or follow that came from the data."""

    def __init__(self, *, admin: bool):
        super().__init__(convert_charrefs=True)
        self.admin = admin
        self.problems: list[str] = []
        self.script: dict | None = None
        self.script_text: list[str] = []
        self.data_blocks: list[str] = []
        self.text: list[str] = []
        self.links: list[str] = []
        self.values: list[str] = []  # every attribute's, as a form field shows a value

    def handle_starttag(self, tag, attrs):
        self.check_element(tag, attrs)
        if tag == "script":
            self.script = dict(attrs)
            self.script_text = []

    def handle_startendtag(self, tag, attrs):
        self.check_element(tag, attrs)

    def check_element(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            self.values.append(value)
            if name.startswith("on") and (not self.admin or MARK in value or MARK in name):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in LINK_ATTRIBUTES:
                self.links.append(value)
                bare = re.sub(r"[\x00-\x20\x7f]", "", value).lower()
                if bare.startswith(DANGEROUS_SCHEMES):
                    self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "style" and (not self.admin or MARK in value or value == "x"):
                self.problems.append(f"<{tag} style={value!r}>")
            if name == "http-equiv":
                self.problems.append(f"<{tag} http-equiv={value!r}>")
        # The site draws its charts in SVG; the admin shows its own icons.
        if tag in FOREIGN_ELEMENTS and (
            attrs_from_data(attrs) or (tag != "svg" and not self.admin)
        ):
            self.problems.append(f"<{tag} {attrs}>")
        if tag == "style" and not self.admin:
            self.problems.append("<style>")

    def handle_data(self, data):
        if self.script is not None:
            self.script_text.append(data)
        else:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag != "script" or self.script is None:
            return
        text = "".join(self.script_text)
        kind = self.script.get("type", "").lower()
        if "src" in self.script:
            source = self.script["src"] or ""
            own = source.startswith("/") and not source.startswith("//") and MARK not in source
            if not own or text.strip():
                self.problems.append(f"<script src={source!r}>")
        elif kind in DATA_SCRIPT_TYPES:
            self.data_blocks.append(text)
        else:
            self.problems.append(f"<script>{text[:80]}")
        self.script = None


def attrs_from_data(attrs) -> bool:
    return any(MARK in (value or "") or name.startswith("on") for name, value in attrs)


def assert_inert(response, address, *, admin=False) -> Inert:
    """The page as a browser would read it, once it is known to run nothing from the data."""
    assert response.status_code == 200, address
    assert response["Content-Type"].startswith("text/html"), address
    page = Inert(admin=admin)
    page.feed(body(response))
    page.close()
    assert page.problems == [], address
    for block in page.data_blocks:
        json.loads(block)  # a data block the data cut short would not parse
        if not admin:
            assert "<" not in block, address  # neither </script> nor <!-- inside it
    return page


def visible_text(page: Inert) -> str:
    return "".join(page.text)


def public_addresses(records) -> list[str]:
    addresses = []
    for name, arguments in archive_url_names():
        paths = [path(name, slug=records[kind_of(name)].slug) if arguments else path(name)]
        addresses += [prefix + address for prefix in LANGUAGE_PREFIXES for address in paths]
    return addresses + SITE_ADDRESSES


# --- public pages ---------------------------------------------------------------------------


def test_every_public_page_runs_nothing_from_the_data_in_either_language(client, hostile):
    checked = 0
    for address in public_addresses(hostile):
        response = client.get(address)
        assert response.status_code == 200, address
        if response["Content-Type"].startswith("text/html"):
            assert_inert(response, address)
            checked += 1
    assert checked == 2 * 11  # home, search, timeline, four lists, four records, per language


@pytest.mark.parametrize("prefix", LANGUAGE_PREFIXES)
def test_lists_filtered_by_the_hostile_records_run_nothing(client, hostile, prefix):
    queries = {
        "publication_list": [
            {"journal": hostile["journal"].slug},
            {"author": hostile["person"].slug},
            {"about": hostile["person"].slug},
            {"event": hostile["event"].slug},
            {"q": "hostile"},
            {"q": HOSTILE[:200]},
            {"language": hostile["publication"].language},
        ],
        "event_list": [
            {"place": hostile["event"].place},
            {"person": hostile["person"].slug},
            {"q": "hostile"},
        ],
        "event_timeline": [{"place": hostile["event"].place}, {"q": MARKUP[:200]}],
        "person_list": [{"q": "hostile"}, {"role": "author"}],
        "journal_list": [{"category": hostile["journal"].metrics.get().category}, {"q": "journal"}],
        "search": [{"q": "hostile"}, {"q": BREAKOUT}, {"q": ATTRIBUTE}],
    }
    for name, variants in queries.items():
        for query in variants:
            address = prefix + path(name)
            response = client.get(address, query)
            assert_inert(response, f"{address} {query}")


def test_the_hostile_values_are_shown_as_text(client, hostile):
    person = assert_inert(client.get(hostile["person"].get_absolute_url()), "person")
    assert hostile["person"].display_name in visible_text(person)
    event = assert_inert(client.get(hostile["event"].get_absolute_url()), "event")
    assert hostile["event"].place in visible_text(event)
    journal = assert_inert(client.get(hostile["journal"].get_absolute_url()), "journal")
    assert hostile["journal"].name in visible_text(journal)
    # Titles and abstracts keep their inline markup (italics) and lose every other tag.
    publication = assert_inert(client.get(hostile["publication"].get_absolute_url()), "work")
    assert f"Title {LONG}Hostile as" in visible_text(publication)


def test_json_ld_holds_the_hostile_values_exactly(client, hostile):
    names = {
        "publication": plain_text(hostile["publication"].title),
        "person": hostile["person"].display_name,
        "event": hostile["event"].title,
        "journal": hostile["journal"].name,
    }
    for prefix in LANGUAGE_PREFIXES:
        for kind, name in names.items():
            response = client.get(prefix + path(f"{kind}_detail", slug=hostile[kind].slug))
            (block,) = assert_inert(response, kind).data_blocks
            assert json.loads(block)["name"] == name


def test_links_out_lead_only_to_web_addresses(client, hostile):
    records = [*Publication.objects.all(), *Journal.objects.all(), hostile["person"]]
    for record in records:
        page = assert_inert(client.get(record.get_absolute_url()), record.get_absolute_url())
        links_out = [link for link in page.links if not link.startswith(("/", "#", "?"))]
        assert all(link.startswith(("https://", "http://testserver/")) for link in links_out), (
            links_out
        )
    person = assert_inert(client.get(hostile["person"].get_absolute_url()), "person")
    # Identifiers become addresses on their own sites, whatever they hold.
    assert f"https://orcid.org/javascript:{MARK}(8)" in person.links


# --- downloads ------------------------------------------------------------------------------


def cells(text: str, delimiter=",") -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text), delimiter=delimiter) for cell in row]


def assert_no_formula(values, where):
    runnable = [
        value for value in values if isinstance(value, str) and value.startswith(FORMULA_PREFIXES)
    ]
    assert runnable == [], where


@pytest.mark.parametrize("prefix", LANGUAGE_PREFIXES)
@pytest.mark.parametrize("kind", ["publication", "person", "event", "journal"])
def test_a_public_csv_download_runs_no_formula(client, hostile, kind, prefix):
    response = client.get(prefix + path(f"{kind}_list_csv"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    found = cells(body(response))
    assert_no_formula(found, kind)
    assert any(cell.startswith("'") and cell[1:] in FORMULAS for cell in found), kind
    assert any(MARKUP in cell for cell in found), kind  # the text itself is kept, as text


def read_citations(name: str, text: str) -> list:
    """The records of a BibTeX, RIS or CSL-JSON file, read as a reference manager reads them."""
    if name == "bibtex":
        library = bibtexparser.parse_string(text)
        assert library.failed_blocks == []
        return library.entries
    if name == "ris":
        return rispy.loads(text)
    return json.loads(text)


@pytest.mark.parametrize("prefix", LANGUAGE_PREFIXES)
@pytest.mark.parametrize("name", ["bibtex", "ris", "csljson"])
def test_citation_downloads_read_back_one_record_per_publication(client, hostile, prefix, name):
    publication = hostile["publication"]
    for address, expected in [
        (prefix + path(f"publication_{name}", slug=publication.slug), 1),
        (prefix + path(f"publication_list_{name}"), Publication.objects.published().count()),
    ]:
        response = client.get(address)
        assert response.status_code == 200, address
        assert not response["Content-Type"].startswith("text/html"), address
        assert response["X-Content-Type-Options"] == "nosniff"
        records = read_citations(name, body(response))
        assert len(records) == expected, address
    (record,) = read_citations(
        name, body(client.get(prefix + path(f"publication_{name}", slug=publication.slug)))
    )
    title = record["title"] if name != "bibtex" else record.fields_dict["title"].value
    assert title.startswith(f"Title {LONG.strip()}"), name


def test_the_sitemap_is_well_formed_xml(client, hostile):
    for address in SITE_ADDRESSES:
        if address.endswith(".xml"):
            ElementTree.fromstring(client.get(address).content)


# --- the admin ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["publication", "person", "event", "journal"])
def test_admin_pages_of_a_hostile_record_run_nothing_from_it(admin_client, hostile, kind):
    record = hostile[kind]
    for address in [
        reverse(f"admin:archive_{kind}_changelist"),
        reverse(f"admin:archive_{kind}_changelist") + "?q=hostile",
        reverse(f"admin:archive_{kind}_history", args=[record.pk]),
        reverse(f"admin:archive_{kind}_delete", args=[record.pk]),
        reverse(f"admin:archive_{kind}_export"),
    ]:
        assert_inert(admin_client.get(address), address, admin=True)
    address = reverse(f"admin:archive_{kind}_change", args=[record.pk])
    page = assert_inert(admin_client.get(address), address, admin=True)
    # In the form's fields, as the curator entered it.
    assert any(MARKUP in value for value in [*page.values, visible_text(page)]), address


def test_the_admin_pages_comparing_people_run_nothing_from_their_names(admin_client, hostile):
    twin = make_person(hostile["person"].display_name, family_name="Twin")
    for address in [
        reverse("admin:archive_person_duplicates"),
        reverse("admin:archive_person_merge") + f"?ids={hostile['person'].pk},{twin.pk}",
    ]:
        page = assert_inert(admin_client.get(address), address, admin=True)
        assert "Person Hostile" in visible_text(page), address


def admin_export(client, kind: str, format_class) -> bytes:
    url = reverse(f"admin:archive_{kind}_export")
    form = client.get(url).context["form"]
    data = {name: "on" for name, field in form.fields.items() if field.initial is True}
    index = str(EXPORT_FORMATS.index(format_class))
    response = client.post(url, {**data, "format": index, "resource": "0"})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Disposition"].startswith("attachment;")
    return response.content


@pytest.mark.parametrize("kind", ["publication", "person", "event", "journal"])
def test_admin_exports_run_no_formula_and_keep_the_text(admin_client, hostile, kind):
    csv_class, xlsx_class, json_class, tsv_class = EXPORT_FORMATS
    assert_no_formula(cells(admin_export(admin_client, kind, csv_class).decode()), "csv")
    assert_no_formula(
        cells(admin_export(admin_client, kind, tsv_class).decode(), delimiter="\t"), "tsv"
    )
    workbook = openpyxl.load_workbook(io.BytesIO(admin_export(admin_client, kind, xlsx_class)))
    values = [cell for row in workbook.active.iter_rows() for cell in row]
    assert [cell.coordinate for cell in values if cell.data_type == "f"] == []
    assert_no_formula([cell.value for cell in values], "xlsx")
    assert any(MARKUP in str(cell.value) for cell in values)
    # JSON is read by programs, never run as a formula: the values are exported as they are.
    rows = json.loads(admin_export(admin_client, kind, json_class))
    exported = {value for row in rows for value in row.values() if isinstance(value, str)}
    assert FORMULAS[0] in exported  # a title, biography, place or publisher
    if kind == "publication":
        assert set(FORMULAS) <= exported  # the titles


def test_the_import_preview_shows_hostile_rows_as_text(admin_client, hostile):
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(canonical.PUBLICATION_COLUMNS)
    new = dict.fromkeys(canonical.PUBLICATION_COLUMNS, "")
    new.update(
        doi="10.5555/preview",
        title=f"Preview {MARKUP}{BREAKOUT}",
        abstract=ATTRIBUTE,
        authors=short(HOSTILE, 300).replace(";", ","),
        journal=f"Journal {BREAKOUT}",
        url="https://example.org/",
        keywords=MARKUP[:200].replace(";", ","),
    )
    # A publication already in the archive, whose title and abstract the file changes.
    changed = {**new, "doi": "10.5555/formula.0", "title": f"Changed {MARKUP}", "journal": ""}
    changed["abstract"] = BREAKOUT
    for row in (new, changed):
        writer.writerow([row[column] for column in canonical.PUBLICATION_COLUMNS])
    upload = SimpleUploadedFile("hostile.csv", output.getvalue().encode())
    before = list(Publication.objects.order_by("pk").values_list("doi", "title"))
    response = admin_client.post(
        reverse("admin:archive_publication_import"),
        {
            "format": str(PUBLICATION_FORMATS.index(PublicationCSV)),
            "resource": "0",
            "new_records": "published",
            "import_file": upload,
        },
    )
    page = assert_inert(response, "import preview", admin=True)
    assert "Preview" in visible_text(page)
    assert "Changed" in visible_text(page)
    # The preview writes nothing.
    assert list(Publication.objects.order_by("pk").values_list("doi", "title")) == before


def test_the_admin_refuses_a_nul_character_with_a_clear_message(admin_client):
    before = Person.objects.count()
    response = admin_client.post(
        reverse("admin:archive_person_add"),
        {"display_name": "Nul\x00name", "status": Status.PUBLISHED},
    )
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
    assert Person.objects.count() == before


# --- text direction -----------------------------------------------------------------------

OVERRIDE = "\u202e"  # RIGHT-TO-LEFT OVERRIDE, in HOSTILE
ISOLATE_OPENERS = "\u2066\u2067\u2068"  # LRI, RLI, FSI, each closed by PDI (U+2069)
VOID_ELEMENTS = {"meta", "link", "input", "br", "hr", "img", "source", "wbr", "col", "area"}
BLOCKS = {
    *("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dd", "dt", "td", "th", "div", "pre"),
    *("blockquote", "figcaption", "caption", "header", "footer", "section", "article", "main"),
    *("nav", "aside", "body", "ul", "ol", "dl", "table", "tr", "address", "summary", "form"),
}


def _isolated_in_text(text: str, at: int) -> bool:
    before = text[:at]
    return sum(before.count(c) for c in ISOLATE_OPENERS) > before.count("\u2069")


class Directions(HTMLParser):
    """Visible text with a direction override that could reorder other text: the override is
    not inside a <bdi>, a link, a <cite>, an element in a language of its own (which site.css
    isolates) or isolate characters (FSI ... PDI), and its paragraph holds other text too."""

    HIDDEN = {"head", "script", "style", "template", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[list] = []  # [tag, isolates, text]
        self.pending: list[tuple[int, str]] = []  # (the block's depth, the loose text)
        self.loose: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID_ELEMENTS:
            return
        isolates = tag in {"bdi", "a", "cite"} or (tag != "html" and "lang" in dict(attrs))
        self.open.append([tag, isolates, []])

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                for depth in range(len(self.open) - 1, index - 1, -1):
                    self._closing(depth)
                del self.open[index:]
                return

    def _closing(self, depth: int) -> None:
        whole = "".join(self.open[depth][2]).strip()
        for block, text in [item for item in self.pending if item[0] == depth]:
            self.pending.remove((block, text))
            if whole != text.strip():
                self.loose.append(f"<{self.open[depth][0]}> {whole[:80]!r}")

    def handle_data(self, data):
        if any(tag in self.HIDDEN for tag, _, _ in self.open):
            return
        for element in self.open:
            element[2].append(data)
        if OVERRIDE not in data or any(isolates for _, isolates, _ in self.open):
            return
        overrides = [at for at, char in enumerate(data) if char == OVERRIDE]
        if all(_isolated_in_text(data, at) for at in overrides):
            return
        blocks = [depth for depth, (tag, _, _) in enumerate(self.open) if tag in BLOCKS]
        self.pending.append((blocks[-1] if blocks else 0, data))


def test_a_direction_override_in_the_data_reorders_nothing_outside_its_own_text(client, hostile):
    # A name ending in U+202E would show everything after it on its line backwards (the next
    # author, the journal, the year) unless its own element isolates it.
    checked = 0
    for address in public_addresses(hostile):
        response = client.get(address)
        if not response["Content-Type"].startswith("text/html"):
            continue
        page = Directions()
        page.feed(response.content.decode())
        assert page.loose == [], address
        checked += 1
    assert checked == 2 * 11


def test_the_style_sheet_isolates_links_citations_and_text_in_its_own_language():
    from django.conf import settings

    css = (settings.BASE_DIR / "archive" / "static" / "archive" / "site.css").read_text()
    rule = re.search(r"a,\s*cite,\s*\[lang\]:not\(html\)\s*\{([^}]*)\}", css)
    assert rule and "unicode-bidi: isolate" in rule.group(1)


@pytest.mark.parametrize(
    "value",
    [f"Gu{OVERRIDE}", f"\u2069{OVERRIDE}Gu", f"\u2068Gu\u2069\u2069{OVERRIDE}", "Gu\u202b"],
)
def test_a_citation_isolates_a_value_with_direction_controls_whatever_it_holds(value):
    # A stray POP DIRECTIONAL ISOLATE in the value would close the isolate put around it.
    from archive.exporting.citations import _isolated

    isolated = _isolated(value)
    assert isolated.startswith("\u2068") and isolated.endswith("\u2069")
    controls = [at for at, char in enumerate(isolated) if char in "\u202b\u202e"]
    assert controls and all(_isolated_in_text(isolated, at) for at in controls)
    assert _isolated("Ji-Dong Gu") == "Ji-Dong Gu"
