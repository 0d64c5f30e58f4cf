from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from learning.module_page import render_module_page
from learning.my_learning import learning_of
from modules.access import get_visible_module


@require_safe
def module_page(request, slug):
    module = get_visible_module(request.user, slug=slug)
    return HttpResponse(render_module_page(request, module))


@login_required
@require_safe
def my_learning(request):
    """My learning: in progress, saved, completed with certificates, credit totals."""
    context = {"learning": learning_of(request.user), "year": timezone.localdate().year}
    return render(request, "learning/my_learning.html", context)
