from itertools import groupby

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from modules.access import get_visible_module
from modules.extensions import catalog_notes, module_panels
from modules.live import LiveCatalog, live_catalog, live_module
from modules.media_files import MP4, served_type
from modules.models import Module
from modules.page_cache import fragment
from modules.ranged_files import StoredFile, ranged_file_response
from modules.transcripts import cues_to_text, cues_to_vtt
from modules.video_pipeline import HLS_NAME

MAX_START_SECONDS = 24 * 60 * 60


def _live(request) -> LiveCatalog:
    """The live modules, looked at once per request."""
    if not hasattr(request, "_live_catalog"):
        request._live_catalog = live_catalog()
    return request._live_catalog


def _get_module_for_user(request, slug: str) -> Module:
    """The module if this user may see it; unpublished ones are 404 except to staff."""
    module = live_module(_live(request), slug)
    if module is not None:
        return module
    return get_visible_module(request.user, slug=slug)


def _start_seconds(value: str | None) -> float | None:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    if not 0 <= seconds <= MAX_START_SECONDS:
        return None
    return seconds


def _cached(module: Module, part: str, build) -> str:
    return fragment(module.cache_key(part), build)


def _catalog_body(request) -> str:
    modules = list(Module.objects.published().for_catalog().defer("search_vector"))
    notes = catalog_notes(request, modules)
    for module in modules:
        module.notes = notes.get(module.pk, [])
    series = [
        (group, list(items)) for group, items in groupby(modules, key=lambda module: module.series)
    ]
    return render_to_string(
        "modules/includes/catalog_body.html", {"series_groups": series}, request=request
    )


def _same_for_everyone(request) -> bool:
    """Signed out, no query string, no session and no flash message: the page a visitor
    gets is the one every such visitor gets, so it can be served whole from the cache."""
    return not (
        request.user.is_authenticated
        or request.GET
        or settings.SESSION_COOKIE_NAME in request.COOKIES
        or "messages" in request.COOKIES
    )


@require_safe
def catalog(request):
    # Signed-in learners see their progress and saved courses on the cards, so theirs is
    # rendered for them; the signed-out catalog is cached whole.
    if not _same_for_everyone(request):
        body = _catalog_body(request)
        return render(request, "modules/catalog.html", {"catalog_body": body})
    version = _live(request).version
    page = fragment(
        f"catalog-page:{version}",
        lambda: render(
            request,
            "modules/catalog.html",
            {"catalog_body": fragment(f"catalog:{version}", lambda: _catalog_body(request))},
        ).content.decode(),
    )
    return HttpResponse(page)


@require_safe
def module_detail(request, slug):
    module = _get_module_for_user(request, slug)
    if module.is_live and _same_for_everyone(request):
        page = fragment(module.cache_key("page"), lambda: _page_for(request, module))
        return HttpResponse(_with_series_nav(request, module, page))
    return HttpResponse(_with_series_nav(request, module, _page_for(request, module)))


# The module page is one shell per module version with marks where these parts go: the
# person's (rendered for each request) and the series navigation (which names other
# modules, so it follows the catalogue's version; kept out of the shell, a change to
# another module leaves this module's shell as it is). The shell holds escaped text
# only, so no author or learner can write a mark into it.
PERSONAL_PARTS = ("account", "messages", "save_course", "panels")
MARKED_PARTS = (*PERSONAL_PARTS, "series_nav")


def _mark(part: str) -> str:
    return f"<!--part:{part}-->"


def _page_for(request, module: Module) -> str:
    """The page with this visitor's parts put in (the series navigation still marked)."""
    personal = {
        "account": render_to_string("includes/header_account.html", request=request),
        "messages": render_to_string("includes/messages.html", request=request),
        "save_course": render_to_string(
            "modules/includes/save_course_toggle.html", {"module": module}, request=request
        ),
        "panels": module_panels(request, module),
    }
    start_seconds = _start_seconds(request.GET.get("t"))
    if start_seconds is None:
        # Preview or live is in the key: a scheduled module goes live by the clock alone.
        # Assembled from cached parts in milliseconds, so each worker keeps its own copy
        # rather than writing the whole page to the shared cache again.
        shell = fragment(
            module.cache_key(f"shell:{module.is_live}"),
            lambda: _module_shell(request, module, start_seconds=None),
            shared=False,
        )
    else:  # any second of the video: not worth a cache entry each
        shell = _module_shell(request, module, start_seconds=start_seconds)
    for part, html in personal.items():
        shell = shell.replace(_mark(part), html, 1)
    return shell


def _with_series_nav(request, module: Module, page: str) -> str:
    nav = _cached(
        module,
        f"series-nav:{_live(request).version}",
        lambda: render_to_string(
            "modules/includes/series_nav.html",
            {"module": module, "series_position": module.series_position()},
        ),
    )
    return page.replace(_mark("series_nav"), nav, 1)


def _module_shell(request, module: Module, *, start_seconds: float | None) -> str:
    public = {"module": module}
    context = {
        "module": module,
        **{f"{part}_html": mark_safe(_mark(part)) for part in MARKED_PARTS},  # noqa: S308
        "header_html": _cached(
            module,
            "header-html",
            lambda: render_to_string("modules/includes/module_header.html", public),
        ),
        "transcript_html": _cached(
            module,
            "transcript-html",
            lambda: render_to_string(
                "modules/includes/transcript.html", {**public, "cues": module.cues.all()}
            ),
        ),
        "body_html": _cached(
            module,
            "body-html",
            lambda: render_to_string(
                "modules/includes/module_body.html",
                {
                    **public,
                    "objectives": module.objectives.all(),
                    "competencies": module.competencies.all(),
                },
            ),
        ),
        "start_seconds": start_seconds,
    }
    return render_to_string("modules/module_detail.html", context, request=request)


@require_safe
def captions(request, slug):
    module = _get_module_for_user(request, slug)
    body = _cached(
        module,
        "captions-vtt",
        lambda: cues_to_vtt(module.cues.all(), duration=module.duration_seconds),
    )
    response = HttpResponse(body, content_type="text/vtt; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300" if module.is_live else "private, no-store"
    return response


@require_safe
def transcript_text(request, slug):
    module = _get_module_for_user(request, slug)
    body = _cached(
        module,
        "transcript-txt",
        lambda: cues_to_text(module.cues.all(), title=f"{module.title} ({module.activity_code})"),
    )
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{slugify(module.title) or module.slug}-transcript.txt"'
    )
    return response


def _public_or_private(module: Module) -> str:
    return "public, max-age=86400" if module.is_live else "private, no-store"


def _media_response(request, module: Module, field_file):
    """A module's video or poster, as the type it was found to be when it came in."""
    kind = served_type(field_file)
    return ranged_file_response(
        request,
        field_file,
        # Not media after all (a file stored before its content was checked): a download.
        content_type=kind.content_type if kind else "application/octet-stream",
        download_name=None if kind else f"{module.slug}-file",
        cache_control=_public_or_private(module),
    )


@require_safe
def video(request, slug):
    """The server's web-safe copy once it is made, the upload as it came until then."""
    module = _get_module_for_user(request, slug)
    if not module.video:
        raise Http404("This module has no video yet.")
    processing = module.ready_processing()
    if processing is not None and processing.has_web_video:
        web = StoredFile(processing.output_name("web.mp4"), module.video.storage)
        return ranged_file_response(
            request, web, content_type=MP4.content_type, cache_control=_public_or_private(module)
        )
    return _media_response(request, module, module.video)


HLS_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t"}


@require_safe
def hls(request, slug, run, name):
    """The streaming versions (playlists and segments), under the module's access rules.

    Their address names the processing run that made them, so a new upload's stream has
    new addresses and each may be cached for good.
    """
    module = _get_module_for_user(request, slug)
    processing = module.ready_processing()
    if processing is None or not processing.has_hls or run != processing.run:
        raise Http404("No streaming version of this video.")
    if not HLS_NAME.fullmatch(name):
        raise Http404("No such part of the stream.")
    stored = StoredFile(processing.output_name(f"hls/{name}"), module.video.storage)
    cache = "public, max-age=31536000, immutable" if module.is_live else "private, no-store"
    # Streamed even from a bucket: a playlist names its segments relative to our address,
    # and segments fetched by script from the bucket would need it to allow our origin.
    return ranged_file_response(
        request,
        stored,
        content_type=HLS_TYPES[name[name.rfind(".") :]],
        cache_control=cache,
        may_redirect=False,
    )


@require_safe
def poster(request, slug):
    module = _get_module_for_user(request, slug)
    if not module.poster:
        raise Http404("This module has no poster image.")
    return _media_response(request, module, module.poster)
