"""`/healthz` for load balancers and monitors: can this process reach its databases?"""

from django.db import DatabaseError, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    """200 and `{"status": "ok", ...}` when every configured database answers a trivial query;
    503 otherwise, so that a load balancer takes this server out of rotation."""
    for alias in connections:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError:
            return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
