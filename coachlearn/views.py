from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


@never_cache
def health(request):
    """Liveness for load balancers, and the trivial baseline view of the benchmarks."""
    return HttpResponse("ok", content_type="text/plain")


def admin_login(request):
    """The admin signs in through the site's sign-in page."""
    target = request.GET.get("next", "/admin/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/admin/"
    return redirect(f"{reverse('account_login')}?{urlencode({'next': target})}")
