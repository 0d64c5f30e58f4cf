"""The "Save course" toggle's state, for the catalog and the module page.

Those pages are the same for everyone, so their views know nothing of saved courses: the
toggle include asks here. The learner's saved module ids are read once per request (one
query, for signed-in learners only) and kept on the request for every other card.
"""

from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.shortcuts import resolve_url
from django.templatetags.static import static
from django.utils.html import format_html

from modules.saved import saved_module_ids

register = template.Library()


@register.simple_tag(takes_context=True)
def course_is_saved(context, module) -> bool:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return False
    if not hasattr(request, "_saved_module_ids"):
        request._saved_module_ids = saved_module_ids(request.user)
    return module.pk in request._saved_module_ids


@register.simple_tag(takes_context=True)
def sign_in_url(context) -> str:
    """The sign-in page, coming back to this page afterwards."""
    request = context.get("request")
    login_url = resolve_url(settings.LOGIN_URL)
    if request is None:
        return login_url
    return f"{login_url}?{urlencode({'next': request.get_full_path()})}"


@register.simple_tag(takes_context=True)
def save_course_script(context) -> str:
    """The toggle's script tag, once per page however many toggles the page has."""
    request = context.get("request")
    if request is None or getattr(request, "_save_course_script_done", False):
        return ""
    request._save_course_script_done = True
    return format_html('<script src="{}" defer></script>', static("js/save_course.js"))
