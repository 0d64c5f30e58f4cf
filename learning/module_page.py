"""The module page: the one place that reads every layer (modules, quizzes, certificates)
to build what a learner sees of a module.

A page is made of two kinds of parts:

- the module's own (its header, player, transcript, objectives and series navigation), the
  same for everyone: rendered once per version into a *shell*;
- the person's (account links, messages, the save toggle, the quiz and certificate
  panels): rendered for each request and put into the shell where it has a mark,
  `<!--part:name-->`. The shell holds escaped text only, so nothing an author or learner
  writes can be a mark.

A visitor with nothing personal (signed out, no session, no message, no query string) gets
the page every such visitor gets, so it is kept whole: with the live modules' snapshot
(modules.live) a warm hit asks the database nothing.

Everything is cached under keys that name the module's version and the catalogue's (the
series navigation names other modules), so a change (modules.services.module_changed) moves
the keys and nothing is ever deleted. The transcript, the part slowest to render, has a key
of its own: a change to another module, or a page opened at a moment (`?t=`), renders the
rest around the transcript already rendered.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from certificates.panels import certificate_panel
from modules.live import live_catalog
from modules.models import Module
from modules.page_cache import fragment, module_key, same_for_everyone
from quizzes.learner_state import read_learner_module_state
from quizzes.panels import quiz_panel

PERSONAL_PARTS = ("account", "messages", "save_course", "panels")
MAX_START_SECONDS = 24 * 60 * 60


def render_module_page(request, module: Module) -> str:
    """The module's page as this visitor sees it."""
    if module.is_live and same_for_everyone(request):
        key = module_key(module, f"page:{live_catalog().version}")
        return fragment(key, lambda: _page(request, module))
    return _page(request, module)


def _page(request, module: Module) -> str:
    return _fill(_shell(request, module), _personal_parts(request, module))


def _personal_parts(request, module: Module) -> dict[str, str]:
    # The quiz and certificate panels read the learner's state in one statement.
    signed_in = request.user.is_authenticated
    state = read_learner_module_state(user_id=request.user.pk, module=module) if signed_in else None
    return {
        "account": render_to_string("includes/header_account.html", request=request),
        "messages": render_to_string("includes/messages.html", request=request),
        "save_course": render_to_string(
            "modules/includes/save_course_toggle.html", {"module": module}, request=request
        ),
        "panels": quiz_panel(request, module, state) + certificate_panel(request, module, state),
    }


def _fill(shell: str, parts: dict[str, str]) -> str:
    for part, html in parts.items():
        shell = shell.replace(_mark(part), html, 1)
    return shell


def _mark(part: str) -> str:
    return f"<!--part:{part}-->"


def _shell(request, module: Module) -> str:
    start_seconds = _start_seconds(request.GET.get("t"))
    if start_seconds is not None:  # any second of the video: not worth a cache entry each
        return _render_shell(request, module, start_seconds=start_seconds)
    # Preview or live is in the key: a scheduled module goes live by the clock alone.
    key = module_key(module, f"shell:{module.is_live}:{live_catalog().version}")
    return fragment(key, lambda: _render_shell(request, module, start_seconds=None))


def _render_shell(request, module: Module, *, start_seconds: float | None) -> str:
    context = {
        "module": module,
        **{f"{part}_html": mark_safe(_mark(part)) for part in PERSONAL_PARTS},  # noqa: S308
        "series_position": module.series_position(),
        "objectives": module.objectives.all(),
        "competencies": module.competencies.all(),
        "transcript_html": fragment(
            module_key(module, "transcript-html"),
            lambda: render_to_string(
                "modules/includes/transcript.html", {"module": module, "cues": module.cues.all()}
            ),
        ),
        "start_seconds": start_seconds,
    }
    return render_to_string("learning/module_page.html", context, request=request)


def _start_seconds(value: str | None) -> float | None:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    if not 0 <= seconds <= MAX_START_SECONDS:
        return None
    return seconds
