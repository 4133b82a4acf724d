"""Middleware for serving the archive in production: the security headers Django does not send
itself, a readable refusal of over-large uploads, and a friendly page while the database is down.
"""

import base64
import hashlib
import logging

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers

logger = logging.getLogger(__name__)


def csp_hash(source: str) -> str:
    """A CSP source expression allowing exactly this inline code (CSP Level 3 §2.3.1)."""
    digest = hashlib.sha256(source.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


# django-import-export's export page (admin/import_export/export.html, 4.4) has one inline
# handler and two style attributes, and the field-by-field differences of its import preview
# (diff-match-patch's HTML) colour insertions and deletions with style attributes. Allowing these
# exact strings by hash ('unsafe-hashes') keeps the "Select all" box and the colours working;
# nothing else inline runs, and only under /admin/.
ADMIN_INLINE_HANDLERS = ("onSelectToggleChange(event)",)
ADMIN_INLINE_STYLES = (
    "padding: 0;",
    "font-weight: bold;",
    "background:#e6ffe6;",
    "background:#ffe6e6;",
)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy from settings.CONTENT_SECURITY_POLICY, plus the hashes above on
    admin pages."""

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not request.path_info.startswith("/admin/"):
            return parts
        parts.update = {
            **(parts.update or {}),
            "script-src": ["'unsafe-hashes'", *map(csp_hash, ADMIN_INLINE_HANDLERS)],
            "style-src": ["'unsafe-hashes'", *map(csp_hash, ADMIN_INLINE_STYLES)],
        }
        return parts


class PermissionsPolicyMiddleware:
    """Sends `Permissions-Policy` (settings.PERMISSIONS_POLICY): the browser features the site
    never uses are switched off for it and for anything it might embed."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(allowed)})"
            for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class AdminLanguageMiddleware:
    """The public pages take their language from the address; the admin's address has none, so
    it follows the curator's browser (language cookie, then Accept-Language) rather than always
    being English. Goes after LocaleMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        in_admin = request.path_info.startswith(reverse("admin:index"))
        if in_admin:
            translation.activate(translation.get_language_from_request(request))
            request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if in_admin:
            patch_vary_headers(response, ["Accept-Language", "Cookie"])
        return response


class UploadSizeLimitMiddleware:
    """Refuses a request body larger than the archive accepts with a page that says so (413),
    rather than Django's bare "Bad Request".

    A form with files (multipart) may carry an import file of ARCHIVE_IMPORT_MAX_BYTES plus the
    form's other fields (DATA_UPLOAD_MAX_MEMORY_SIZE); any other body only the latter. A body
    declared larger than that is refused before any of it is read; fields over the limit inside
    a multipart body are found as the form is read, which the CSRF check would do next anyway.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and request.content_type == "multipart/form-data":
            limit += settings.ARCHIVE_IMPORT_MAX_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return self.too_large(request, length, limit)
        if request.method == "POST":
            try:
                request.POST  # noqa: B018 (reading the form is what may fail)
            except RequestDataTooBig:
                return self.too_large(request, length, limit)
        return self.get_response(request)

    @staticmethod
    def too_large(request, size: int, limit: int):
        context = {"size": size, "limit": limit, "file_limit": settings.ARCHIVE_IMPORT_MAX_BYTES}
        return render(request, "413.html", context, status=413)


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database answers with the "back soon" page (503) and a
    Retry-After, not a server error: the failure is the database's, and temporary."""

    RETRY_AFTER_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("Database unavailable for %s: %s", request.path, exception)
        response = render(request, "503.html", status=503)
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response
