import hmac

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Min
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_prometheus.exports import ExportToDjangoView


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


@never_cache
def health(request):
    """Liveness for load balancers, and the trivial baseline view of the benchmarks."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
@require_safe
def ready(request):
    """Readiness for load balancers: 503 while the database, or Redis when the cache is
    there, cannot be reached; a server that is alive (/healthz) may still not be ready."""
    down = unreachable_services()
    if down:
        return HttpResponse(
            f"not ready: {', '.join(down)} unreachable", status=503, content_type="text/plain"
        )
    return HttpResponse("ready", content_type="text/plain")


def unreachable_services() -> list[str]:
    down = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        down.append("database")
    if settings.REDIS_URL:
        # The cache ignores Redis's errors (pages stay up without it): ask Redis itself.
        from django_redis import get_redis_connection

        try:
            get_redis_connection("default").ping()
        except Exception:  # noqa: BLE001 - whatever Redis raises, it is not ready
            down.append("cache")
    return down


def metrics(request):
    """Prometheus metrics for a scraper with the bearer token; 404 to anyone else (and to
    everyone when METRICS_TOKEN is unset), so the address tells a visitor nothing."""
    offered = request.headers.get("Authorization", "")
    expected = f"Bearer {settings.METRICS_TOKEN}"
    if not settings.METRICS_TOKEN or not hmac.compare_digest(offered, expected):
        raise Http404
    response = ExportToDjangoView(request)
    response.content += job_metrics().encode()
    return response


def job_metrics() -> str:
    """The job queue in Prometheus's text format: jobs by queue and state, and how long the
    oldest waiting job of each queue has waited (read from the queue's table at scrape)."""
    from procrastinate.contrib.django.models import ProcrastinateJob

    lines = [
        "# HELP coachlearn_jobs Background jobs in the queue, by queue and state.",
        "# TYPE coachlearn_jobs gauge",
    ]
    counts = ProcrastinateJob.objects.values_list("queue_name", "status").annotate(n=Count("id"))
    for queue, status, count in counts.order_by("queue_name", "status"):
        lines.append(f'coachlearn_jobs{{queue="{_label(queue)}",status="{status}"}} {count}')
    lines += [
        "# HELP coachlearn_jobs_oldest_waiting_seconds Age of the oldest job waiting per queue.",
        "# TYPE coachlearn_jobs_oldest_waiting_seconds gauge",
    ]
    waiting = (
        ProcrastinateJob.objects.filter(status="todo")
        .values("queue_name")
        .annotate(oldest=Min("procrastinateevent__at"))
    )
    for row in waiting.order_by("queue_name"):
        if row["oldest"] is not None:
            age = (timezone.now() - row["oldest"]).total_seconds()
            name = _label(row["queue_name"])
            lines.append(f'coachlearn_jobs_oldest_waiting_seconds{{queue="{name}"}} {age:.1f}')
    return "\n".join(lines) + "\n"


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def admin_login(request):
    """The admin signs in through the site's sign-in page."""
    target = request.GET.get("next", "/admin/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/admin/"
    return redirect(f"{reverse('account_login')}?{urlencode({'next': target})}")
