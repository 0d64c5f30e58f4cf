from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


@never_cache
def health(request):
    """Liveness for load balancers, and the trivial baseline view of the benchmarks."""
    return HttpResponse("ok", content_type="text/plain")
