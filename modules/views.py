"""The catalog, and a module's captions, transcript download and media.

The module page itself reads every layer, so it is composed above them (learning/).
"""

from itertools import groupby

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from modules.access import get_visible_module
from modules.extensions import catalog_notes
from modules.live import live_catalog
from modules.media_files import MP4, served_type
from modules.models import Module
from modules.page_cache import fragment, module_key, same_for_everyone
from modules.ranged_files import StoredFile, ranged_file_response
from modules.transcripts import cues_to_text, cues_to_vtt
from modules.video_pipeline import HLS_NAME


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


@require_safe
def catalog(request):
    # Signed-in learners see their progress and saved courses on the cards, so theirs is
    # rendered for them; the signed-out catalog is cached whole.
    if not same_for_everyone(request):
        body = _catalog_body(request)
        return render(request, "modules/catalog.html", {"catalog_body": body})
    version = live_catalog().version
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
def captions(request, slug):
    module = get_visible_module(request.user, slug=slug)
    body = fragment(
        module_key(module, "captions-vtt"),
        lambda: cues_to_vtt(module.cues.all(), duration=module.duration_seconds),
    )
    response = HttpResponse(body, content_type="text/vtt; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300" if module.is_live else "private, no-store"
    return response


@require_safe
def transcript_text(request, slug):
    module = get_visible_module(request.user, slug=slug)
    body = fragment(
        module_key(module, "transcript-txt"),
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
    module = get_visible_module(request.user, slug=slug)
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
    module = get_visible_module(request.user, slug=slug)
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
    module = get_visible_module(request.user, slug=slug)
    if not module.poster:
        raise Http404("This module has no poster image.")
    return _media_response(request, module, module.poster)
