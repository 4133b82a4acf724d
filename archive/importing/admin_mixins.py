"""Import and export in the admin for publications, people, events and journals.

The import page asks whether new records become published or drafts; the choice and the file's
SHA-256 travel through the confirm step to the resource, which records them on the import batch.
Exports use the neutralising formats and whatever filters and search the change list shows.

An uploaded file waits in private storage between the preview and the confirmation. A preview
that offers nothing to confirm deletes it at once, and every upload first clears the files of
previews abandoned more than a day ago (archive.importing.uploads).
"""

import hashlib
import logging
import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.forms import ConfirmImportForm, ImportForm
from import_export.results import RowResult

from archive.importing.locking import import_transaction
from archive.importing.reading import ImportFileError
from archive.importing.rows_sql import RowWriter
from archive.importing.uploads import import_uploads_clear
from archive.models import Status

logger = logging.getLogger(__name__)
STORED_UPLOAD_NAME = re.compile(r"[0-9a-f]{32}")


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

    def clean_import_file_name(self):
        # The stored copy's name comes back from the browser: only a name the upload storage
        # made (MediaStorage: a UUID's hex) is opened, never a path or the uploaded file's name.
        name = self.cleaned_data["import_file_name"]
        if not STORED_UPLOAD_NAME.fullmatch(name):
            raise forms.ValidationError(_("This preview does not name a file uploaded here."))
        return name


class RecordImportExportMixin(ImportExportMixin):
    """Import and export for a record admin with one resource that takes these keyword
    arguments: publish, format_name and checksum for an import, none for an export."""

    import_form_class = RecordImportForm
    confirm_form_class = RecordConfirmImportForm
    # A summary and the rows that change something, for resources that give them (publications).
    import_template_name = "admin/archive/import.html"

    def import_action(self, request, **kwargs):
        uploading = request.method == "POST" and self.has_import_permission(request)
        if uploading:
            try:
                import_uploads_clear()
            except OSError:
                logger.exception("Could not clear the uploads of abandoned import previews.")
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        upload = request.FILES.get("import_file")
        if uploading and "confirm_form" not in context and upload is not None:
            self._forget_upload(upload)
        return response

    def process_import(self, request, **kwargs):
        try:
            with import_transaction():
                return super().process_import(request, **kwargs)
        except FileNotFoundError:
            # The preview was left open until its upload was cleared away.
            self.message_user(
                request,
                _(
                    "The file of this preview is no longer kept (after a day it is deleted). Upload it again."
                ),
                messages.ERROR,
            )
            opts = self.model._meta
            return redirect(f"admin:{opts.app_label}_{opts.model_name}_import")

    def write_to_tmp_storage(self, import_file, input_format):
        # django-import-export joins the upload's chunks with `data += chunk`, which copies the
        # whole file again for every 64 KiB chunk: seconds of a preview for a 30 MB file.
        storage = self.get_tmp_storage_class()(
            encoding=None if input_format.is_binary() else self.from_encoding,
            read_mode=input_format.get_read_mode(),
            **self.get_tmp_storage_class_kwargs(),
        )
        storage.save(b"".join(import_file.chunks()))
        return storage

    def _log_actions(self, result, request):
        """The admin's history entries for what the import created or changed. The publication
        import keeps no model instances in its row results, so the entries are made from their
        ids and names, with one statement."""
        flags = {RowResult.IMPORT_TYPE_NEW: ADDITION, RowResult.IMPORT_TYPE_UPDATE: CHANGE}
        rows = [row for row in result if row.import_type in flags]
        if any(row.instance is not None for row in rows):
            return super()._log_actions(result, request)
        content_type = ContentType.objects.get_for_model(self.model, for_concrete_model=False)
        RowWriter(LogEntry).insert(
            [
                {
                    "user_id": request.user.pk,
                    "content_type_id": content_type.pk,
                    "object_id": str(row.object_id),
                    "object_repr": row.object_repr[:200],
                    "action_flag": flags[row.import_type],
                    "change_message": f"{row.import_type} through import_export",
                }
                for row in rows
            ],
            with_pk=False,
        )
        return None

    def _forget_upload(self, upload) -> None:
        """Delete the stored copy of an upload that will not be confirmed."""
        name = getattr(upload, "tmp_storage_name", None)
        if not name:
            return
        storage = self.get_tmp_storage_class()(name=name, **self.get_tmp_storage_class_kwargs())
        try:
            storage.remove()
        except OSError:
            logger.exception("Could not delete the uploaded import file %s.", name)

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
