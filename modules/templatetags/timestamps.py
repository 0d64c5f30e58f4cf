from django import template

from modules.transcripts import format_timestamp

register = template.Library()


@register.filter
def timestamp(seconds) -> str:
    """401 → "6:41"."""
    try:
        return format_timestamp(float(seconds))
    except (TypeError, ValueError):
        return ""
