"""Hostile uploads: every upload path has a size limit with a clear message, workbooks are parsed
with XML-bomb protection, and no name that comes from the browser is used as a path."""

import io
import re
import zipfile
from urllib.parse import urlencode

import openpyxl
import pytest
from defusedxml import DefusedXmlException
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test.client import MULTIPART_CONTENT
from django.urls import reverse

from archive.importing.spreadsheets import XML_REFUSED_MESSAGE
from archive.importing.uploads import UPLOADS_FOLDER
from archive.models import ImportBatch, Person
from tests.factories import make_person

pytestmark = pytest.mark.django_db

IMPORT_MODELS = ["publication", "person", "event", "journal"]
# The index of each import page's XLSX format in its format menu.
XLSX_FORMAT = {"publication": "7", "person": "2", "event": "2", "journal": "2"}


# --- size limits ------------------------------------------------------------------------------


@pytest.mark.parametrize("model", IMPORT_MODELS)
def test_an_upload_over_every_limit_is_refused_before_it_is_read(
    admin_client, settings, import_storage, count_rows, model
):
    settings.ARCHIVE_IMPORT_MAX_BYTES = 2_000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    before = count_rows()

    response = admin_import(admin_client, model, b"x" * 5_000, name="big.csv", format="0")

    assert response.status_code == 413
    page = response.content.decode()
    assert "Upload too large" in page
    assert "Nothing was saved" in page
    assert "2.0\xa0KB" in page  # the import file limit, readably
    assert count_rows() == before
    assert stored_uploads(import_storage) == []


@pytest.mark.parametrize("model", IMPORT_MODELS)
def test_an_import_file_over_the_import_limit_is_refused_with_its_size_and_the_limit(
    admin_client, settings, import_storage, count_rows, model
):
    settings.ARCHIVE_IMPORT_MAX_BYTES = 2_000
    before = count_rows()

    response = admin_import(admin_client, model, b"x" * 3_000, name="big.csv", format="0")

    assert response.status_code == 200
    assert response.context["form"].errors["import_file"] == [
        "The file is 3,000 bytes; the largest accepted is 2,000 bytes."
    ]
    assert count_rows() == before
    assert stored_uploads(import_storage) == []


@pytest.mark.parametrize("form_encoded", ["application/x-www-form-urlencoded", MULTIPART_CONTENT])
def test_an_admin_form_over_the_request_limit_is_refused_and_changes_nothing(
    admin_client, settings, form_encoded
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    person = make_person("Zhou Enlai", biography="Premier.")

    url = reverse("admin:archive_person_change", args=[person.pk])
    fields = {"display_name": "Zhou Enlai", "biography": "y" * 5_000}

    if form_encoded == MULTIPART_CONTENT:
        response = admin_client.post(url, fields)
    else:
        response = admin_client.post(url, urlencode(fields), content_type=form_encoded)

    assert response.status_code == 413
    assert "Upload too large" in response.content.decode()
    person.refresh_from_db()
    assert person.biography == "Premier."


def test_a_form_within_the_limits_is_let_through(client, admin_user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000

    response = client.post(
        reverse("admin:login"),
        urlencode({"username": "admin", "password": "password", "next": "/admin/"}),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 302
    assert response.wsgi_request.user.is_authenticated


# --- XML bombs in workbooks --------------------------------------------------------------------

# "Billion laughs": ten entities, each ten of the one before; the last expands to 10⁹ "lol"s.
ENTITIES = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n else "lol"}">' for n in range(10))


def test_openpyxl_never_expands_an_xml_entity():
    from openpyxl.xml import functions

    xml = b'<!DOCTYPE r [<!ENTITY e "expanded">]><r>&e;</r>'

    assert openpyxl.DEFUSEDXML is True
    with pytest.raises(DefusedXmlException):
        list(functions.iterparse(io.BytesIO(xml)))
    try:
        element = functions.fromstring(xml)  # lxml, when installed, with entities unresolved
    except DefusedXmlException:
        pass
    else:
        assert "expanded" not in "".join(element.itertext())


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/worksheets/sheet1.xml"])
def test_the_test_workbook_really_declares_and_uses_the_entities(part):
    bombed = zipfile.ZipFile(io.BytesIO(with_bomb(workbook_for("person"), part)))

    xml = bombed.read(part)
    assert b"<!ENTITY lol9" in xml
    assert b"&lol9;" in xml.split(b"]>", 1)[1]


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/worksheets/sheet1.xml"])
@pytest.mark.parametrize("model", ["publication", "person"])
def test_a_billion_laughs_workbook_is_refused_with_a_clear_message_and_writes_nothing(
    admin_client, import_storage, count_rows, model, part
):
    before = count_rows()

    response = admin_import(
        admin_client, model, with_bomb(workbook_for(model), part), name="laughs.xlsx"
    )

    assert response.status_code == 200
    assert "confirm_form" not in response.context
    assert response.context["form"].errors["import_file"] == [XML_REFUSED_MESSAGE]
    assert count_rows() == before
    assert stored_uploads(import_storage) == []


@pytest.mark.parametrize("model", ["publication", "person"])
def test_the_same_workbook_without_the_bomb_is_previewed(admin_client, model):
    response = admin_import(admin_client, model, workbook_for(model), name="plain.xlsx")

    assert response.status_code == 200
    assert "confirm_form" in response.context


def test_import_records_refuses_a_billion_laughs_workbook_and_writes_nothing(tmp_path, count_rows):
    path = tmp_path / "laughs.xlsx"
    path.write_bytes(with_bomb(workbook_for("publication"), "xl/worksheets/sheet1.xml"))
    before = count_rows()
    stderr = io.StringIO()

    with pytest.raises(CommandError, match="were not imported"):
        call_command("import_records", str(path), "--no-progress", stderr=stderr)

    assert XML_REFUSED_MESSAGE in stderr.getvalue()
    assert count_rows() == before


# --- names from the browser are never paths ----------------------------------------------------


def test_an_uploaded_file_is_stored_under_a_name_of_the_sites_own(admin_client, import_storage):
    response = admin_import(
        admin_client, "person", workbook_for("person"), name="../../../../etc/cron.d/x.xlsx"
    )

    assert "confirm_form" in response.context
    stored = stored_uploads(import_storage)
    assert len(stored) == 1
    assert re.fullmatch(r"[0-9a-f]{32}", stored[0].name)
    assert stored[0].parent == import_storage / UPLOADS_FOLDER
    assert response.context["confirm_form"].initial["original_file_name"] == "x.xlsx"


@pytest.mark.parametrize(
    "name", ["../../config/settings.py", "/etc/passwd", "records.json", "..", "0" * 31]
)
def test_a_confirmation_naming_anything_but_a_stored_upload_is_refused(
    admin_client, import_storage, count_rows, name
):
    preview = admin_import(admin_client, "person", workbook_for("person"), name="people.xlsx")
    data = confirm_data(preview)
    data["import_file_name"] = name
    before = count_rows()

    response = admin_client.post(reverse("admin:archive_person_process_import"), data)

    assert response.status_code == 200
    assert response.context["confirm_form"].errors["import_file_name"] == [
        "This preview does not name a file uploaded here."
    ]
    assert count_rows() == before
    assert len(stored_uploads(import_storage)) == 1  # the preview's own file is untouched


def test_the_confirmation_of_the_stored_upload_imports_it_under_its_original_name(
    admin_client, import_storage
):
    preview = admin_import(admin_client, "person", workbook_for("person"), name="people.xlsx")

    response = admin_client.post(
        reverse("admin:archive_person_process_import"), confirm_data(preview)
    )

    assert response.status_code == 302
    assert Person.objects.filter(display_name="Zhou Enlai").exists()
    assert ImportBatch.objects.get().file_name == "people.xlsx"
    assert stored_uploads(import_storage) == []


# --- helpers --------------------------------------------------------------------------------


def admin_import(client, model: str, data: bytes, *, name: str, format: str | None = None):
    return client.post(
        reverse(f"admin:archive_{model}_import"),
        {
            "format": format if format is not None else XLSX_FORMAT[model],
            "resource": "0",
            "new_records": "published",
            "import_file": SimpleUploadedFile(name, data),
        },
    )


def confirm_data(preview) -> dict:
    form = preview.context["confirm_form"]
    return {name: form.initial.get(name, "") for name in form.fields}


def stored_uploads(storage_root) -> list:
    folder = storage_root / UPLOADS_FOLDER
    return sorted(folder.iterdir()) if folder.exists() else []


def workbook_for(model: str) -> bytes:
    """A small workbook the import page of `model` previews without complaint."""
    if model == "publication":
        rows = [["title", "doi", "publication_date"], ["Laughing matters", "10.1234/lol", "1954"]]
    else:
        rows = [["display_name", "birth_date"], ["Zhou Enlai", "1898-03-05"]]
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def with_bomb(workbook: bytes, part: str) -> bytes:
    """The workbook with a billion-laughs entity declared in `part` and used in it."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == part:
                xml = data.decode()
                root = re.match(r"(<\?xml[^>]*\?>)?\s*<(\w+)", xml)
                xml = xml.replace(f"<{root[2]}", f"<!DOCTYPE {root[2]} [{ENTITIES}]><{root[2]}", 1)
                if part.endswith("workbook.xml"):
                    xml = xml.replace('name="Sheet"', 'name="&lol9;"', 1)
                else:
                    cell = '<c r="Z1" t="inlineStr"><is><t>&lol9;</t></is></c>'
                    xml = xml.replace("</row>", f"{cell}</row>", 1)
                assert "&lol9;" in xml
                data = xml.encode()
            target.writestr(info, data)
    return output.getvalue()
