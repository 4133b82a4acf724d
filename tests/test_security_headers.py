"""The security headers on every kind of page, and a Content-Security-Policy strict enough that
no inline script or style runs unless it is hashed or nonced, yet the admin still works under it."""

from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, reverse
from django.utils import translation

from archive import urls as archive_urls
from archive.middleware import csp_hash
from archive.models import ImportBatch
from archive.sample import SEED_FILE
from tests.factories import make_event, make_journal, make_person, make_publication

pytestmark = pytest.mark.django_db

SAME_ON_EVERY_RESPONSE = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Script types that are data for the page, never run (JSON-LD, Django's json_script).
DATA_SCRIPT_TYPES = {"application/ld+json", "application/json"}


@pytest.fixture
def records():
    journal = make_journal(name="Cold War History")
    person = make_person("Ji-Dong Gu")
    event = make_event("Khrushchev's visit to China", date="1954-09/1954-10")
    publication = make_publication(
        "Chinese workers in the Soviet Far East", authors=[person], events=[event], journal=journal
    )
    return {"publication": publication, "person": person, "event": event, "journal": journal}


def public_urls(records) -> list[str]:
    """Every page of archive/urls.py (lists, details, downloads, search...), in both languages;
    a pattern with a slug gets the slug of the record its name begins with."""
    urls = []
    for pattern in archive_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        kwargs = {}
        if "slug" in pattern.pattern.converters:
            kwargs["slug"] = records[pattern.name.split("_")[0]].slug
        for language in ("en", "zh-hans"):
            with translation.override(language):
                urls.append(reverse(f"archive:{pattern.name}", kwargs=kwargs))
    return urls


def test_every_public_page_kind_is_among_those_checked(records):
    urls = public_urls(records)

    for page in ("/", "/publications/", "/people/", "/events/", "/journals/"):
        assert page in urls
        assert f"/zh-hans{page}" in urls
    for record in records.values():
        assert record.get_absolute_url() in urls


def test_every_public_page_sends_every_security_header(client, records):
    urls = [
        *public_urls(records),
        "/publications/?q=Soviet",
        "/robots.txt",
        "/sitemap.xml",
        "/healthz",
        "/admin/login/",
    ]

    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_security_headers(response, url)


@pytest.mark.parametrize(
    "url", ["/no-such-page/", "/publications/no-such-record/", "/zh-hans/people/no-one/"]
)
def test_a_page_not_found_sends_every_security_header_too(client, url):
    response = client.get(url)

    assert response.status_code == 404
    assert_security_headers(response, url)


def test_the_policy_allows_nothing_inline_and_nothing_from_elsewhere(client):
    policy = csp(client.get("/"))

    assert policy["default-src"] == ["'none'"]
    for directive in ("script-src", "style-src", "img-src", "font-src", "connect-src"):
        assert policy[directive] == ["'self'"], directive
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]


def test_public_pages_allow_no_inline_code_even_by_hash(client, records):
    for url in public_urls(records):
        policy = csp(client.get(url))
        assert "'unsafe-hashes'" not in policy["script-src"] + policy["style-src"], url


def test_the_permissions_policy_switches_off_what_the_archive_never_uses(client):
    header = client.get("/")["Permissions-Policy"]
    features = dict(item.split("=") for item in header.split(", "))

    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()"


def test_no_public_page_has_inline_code_the_policy_would_block(client, records):
    for url in public_urls(records):
        response = client.get(url)
        if response["Content-Type"].startswith("text/html"):
            assert blocked_inline_code(response) == [], url


def test_every_admin_page_works_under_the_policy(admin_client, records):
    admin_client.post(  # an import, for the import batch pages and the confirmation page
        reverse("admin:archive_publication_import"),
        {
            "format": "0",
            "resource": "0",
            "new_records": "published",
            "import_file": SimpleUploadedFile("records.json", SEED_FILE.read_bytes()),
        },
    )
    preview = admin_client.post(
        reverse("admin:archive_person_import"),
        {
            "format": "0",
            "resource": "0",
            "new_records": "published",
            "import_file": SimpleUploadedFile("people.csv", b"display_name\nZhou Enlai\n"),
        },
    )
    assert "confirm_form" in preview.context
    batch = ImportBatch.objects.create(file_name="x.json", checksum="0" * 64, format="booksci")
    pages = [reverse("admin:index"), reverse("admin:password_change")]
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        pages.append(reverse("admin:{}_{}_changelist".format(*info)))
        pages.append(reverse("admin:{}_{}_add".format(*info)))
        instance = model._default_manager.first()
        if instance is not None:
            pages.append(reverse("admin:{}_{}_change".format(*info), args=[instance.pk]))
            pages.append(reverse("admin:{}_{}_history".format(*info), args=[instance.pk]))
        if hasattr(model_admin, "import_action"):
            pages.append(reverse("admin:{}_{}_import".format(*info)))
            pages.append(reverse("admin:{}_{}_export".format(*info)))
    pages.append(reverse("admin:archive_importbatch_undo", args=[batch.pk]))

    checked = 0
    for url in pages:
        response = admin_client.get(url)
        if response.status_code == 403:  # e.g. adding an import batch by hand
            continue
        assert response.status_code == 200, url
        assert_security_headers(response, url)
        assert blocked_inline_code(response) == [], url
        checked += 1
    assert blocked_inline_code(preview) == []
    assert checked >= 20


def test_a_publication_with_its_source_record_shows_it_without_inline_style(admin_client):
    publication = make_publication("Chinese workers in the Soviet Far East")
    publication.raw_record = {"title": "苏联远东的中国工人", "volume": "22 1"}
    publication.save(update_fields=["raw_record"])

    response = admin_client.get(reverse("admin:archive_publication_change", args=[publication.pk]))

    assert "苏联远东的中国工人" in response.content.decode()
    assert '<pre class="archive-json">' in response.content.decode()
    assert blocked_inline_code(response) == []


def test_the_export_page_has_the_inline_handler_the_admin_policy_allows_by_hash(admin_client):
    response = admin_client.get(reverse("admin:archive_person_export"))
    policy = csp(response)

    assert 'onchange="onSelectToggleChange(event)"' in response.content.decode()
    assert "'unsafe-hashes'" in policy["script-src"]
    assert csp_hash("onSelectToggleChange(event)") in policy["script-src"]
    assert blocked_inline_code(response) == []


def test_the_checker_finds_inline_code_the_policy_does_not_allow(client):
    response = client.get("/")
    response.content = (
        b'<p style="color: red" onclick="alert(1)">x</p><script>alert(2)</script>'
        b'<style>p {}</style><a href="javascript:alert(3)">y</a>'
        b'<script type="application/ld+json">{}</script><script src="/static/x.js"></script>'
    )

    found = blocked_inline_code(response)

    assert found == [
        ("style-src", "color: red"),
        ("script-src", "alert(1)"),
        ("script-src", "alert(2)"),
        ("style-src", "p {}"),
        ("script-src", "javascript:alert(3)"),
    ]


# --- helpers --------------------------------------------------------------------------------


def assert_security_headers(response, url):
    for header, value in SAME_ON_EVERY_RESPONSE.items():
        assert response.get(header) == value, (url, header)
    assert "camera=()" in response.get("Permissions-Policy", ""), url
    policy = csp(response)
    assert policy.get("default-src") == ["'none'"], url
    for directive in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in policy[directive], (url, directive)
        assert "'unsafe-eval'" not in policy[directive], (url, directive)
    assert policy["frame-ancestors"] == ["'none'"], url


def csp(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy")
    assert header, "no Content-Security-Policy"
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


class InlineCode(HTMLParser):
    """Collects what a browser would treat as inline code: (directive, code, nonce)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str | None]] = []
        self.element: tuple[str, str | None] | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(("script-src", value or "", "attribute"))
            elif name == "style":
                self.found.append(("style-src", value or "", "attribute"))
            elif name in {"href", "src", "action", "formaction"} and (
                (value or "").strip().lower().startswith("javascript:")
            ):
                self.found.append(("script-src", value, "url"))
        script = tag == "script" and "src" not in attrs
        if (script and attrs.get("type", "").lower() not in DATA_SCRIPT_TYPES) or tag == "style":
            self.element = (tag, attrs.get("nonce"))
            self.text = []

    def handle_data(self, data):
        if self.element:
            self.text.append(data)

    def handle_endtag(self, tag):
        if self.element and tag == self.element[0]:
            directive = "script-src" if tag == "script" else "style-src"
            self.found.append((directive, "".join(self.text), self.element[1] or "element"))
            self.element = None


def blocked_inline_code(response) -> list[tuple[str, str]]:
    """The inline code in the page that its Content-Security-Policy would block."""
    policy = csp(response)
    parser = InlineCode()
    parser.feed(response.content.decode())
    blocked = []
    for directive, code, kind in parser.found:
        allowed = policy.get(directive, [])
        if kind == "url":
            ok = False
        elif kind == "attribute":
            ok = "'unsafe-hashes'" in allowed and csp_hash(code) in allowed
        elif kind == "element":
            ok = csp_hash(code) in allowed
        else:  # a nonce
            ok = f"'nonce-{kind}'" in allowed
        if not ok:
            blocked.append((directive, code))
    return blocked
