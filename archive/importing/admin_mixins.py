"""Import and export in the admin for people, events and journals.

The import page asks, as the publication import does, whether new records become published or
drafts; the choice and the file's SHA-256 travel through the confirm step to the resource, which
records them on the import batch. Exports use the neutralising formats and whatever filters and
search the change list shows.
"""

import hashlib

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.forms import ConfirmImportForm, ImportForm

from archive.importing.formats import ImportFileError
from archive.models import Status


class RecordImportForm(ImportForm):
    new_records = forms.ChoiceField(
        label=_("New records become"),
        choices=[(Status.PUBLISHED, _("Published")), (Status.DRAFT, _("Drafts"))],
        initial=Status.PUBLISHED,
        help_text=_("Records already in the archive keep their status."),
    )

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > settings.ARCHIVE_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s bytes; the largest accepted is %(limit)s bytes.")
                % {"size": f"{upload.size:,}", "limit": f"{settings.ARCHIVE_IMPORT_MAX_BYTES:,}"}
            )
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        self.checksum = digest.hexdigest()
        return upload


class RecordConfirmImportForm(ConfirmImportForm):
    new_records = forms.ChoiceField(
        choices=[(Status.PUBLISHED, Status.PUBLISHED), (Status.DRAFT, Status.DRAFT)],
        widget=forms.HiddenInput(),
    )
    checksum = forms.CharField(widget=forms.HiddenInput(), required=False)


class RecordImportExportMixin(ImportExportMixin):
    """Import (CSV, TSV, XLSX) and export for a record admin with one EntityResource."""

    import_form_class = RecordImportForm
    confirm_form_class = RecordConfirmImportForm

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        data = getattr(form, "cleaned_data", None) or {}
        format_index = data.get("format")
        format_name = ""
        if format_index not in (None, ""):
            format_name = self.get_import_formats()[int(format_index)].name
        return {
            "publish": data.get("new_records", Status.PUBLISHED) == Status.PUBLISHED,
            "format_name": format_name,
            "checksum": data.get("checksum") or getattr(form, "checksum", ""),
        }

    def get_export_resource_kwargs(self, request, **kwargs):
        # The export view passes its own arguments (the form, the encoding); resources take none.
        return {}

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["new_records"] = import_form.cleaned_data["new_records"]
            initial["checksum"] = getattr(import_form, "checksum", "")
        return initial

    def add_data_read_fail_error_to_form(self, form, error):
        if isinstance(error, ImportFileError):
            form.add_error("import_file", str(error))
        elif isinstance(error, UnicodeDecodeError):
            form.add_error(
                "import_file",
                _(
                    "The file is not UTF-8 text. Save it as UTF-8 (in Excel: CSV UTF-8), or "
                    "upload the .xlsx workbook."
                ),
            )
        else:
            super().add_data_read_fail_error_to_form(form, error)
