"""Admin login throttling with django-axes: after ARCHIVE_LOGIN_FAILURE_LIMIT failed logins for
one username from one address, that pair is refused for ARCHIVE_LOGIN_LOCKOUT_MINUTES."""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib import admin
from django.template.response import TemplateResponse


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuses locked-out logins. A login with no request behind it (the test client, a shell)
    has no client address to throttle by, so it is left to the next backend instead of failing."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """The admin's login page, replaced by one that says why and for how long (429)."""
    context = {
        **admin.site.each_context(request),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return TemplateResponse(request, "admin/login_locked.html", context, status=429).render()
