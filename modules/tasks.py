from procrastinate import RetryStrategy

from coachlearn.jobs import job
from modules.alignment import AlignmentError, align, audio_of
from modules.models import TranscriptTiming, VideoProcessing
from modules.video_pipeline import VideoPipelineError, local_video, process_module_video


@job(queue="media", retry=RetryStrategy(max_attempts=3, wait=30))
def process_video(*, module_id: int, source: str) -> None:
    """Process one uploaded video; nothing to do when it was replaced or is done already."""
    processing = (
        VideoProcessing.objects.filter(module_id=module_id, source=source)
        .select_related("module")
        .first()
    )
    if processing is None or not processing.is_current:
        return
    if processing.status == VideoProcessing.Status.READY:
        return
    this_upload = VideoProcessing.objects.filter(pk=processing.pk, source=source)
    try:
        process_module_video(processing.module, source=source)
    except VideoPipelineError as error:
        # The file itself is the problem: trying again would fail the same way.
        this_upload.update(status=VideoProcessing.Status.FAILED, error=str(error), step="Failed")
    except Exception as error:
        # Shown until a retry starts (the job is retried a few times, then left failed).
        this_upload.update(
            status=VideoProcessing.Status.FAILED,
            error=f"Processing stopped ({type(error).__name__}: {error}).",
            step="Failed; it is tried again a few times",
        )
        raise


@job(queue="media", retry=RetryStrategy(max_attempts=3, wait=30))
def align_transcript(*, module_id: int) -> None:
    """Propose a start time for each transcript line from the video's speech."""
    timing = TranscriptTiming.objects.filter(module_id=module_id).select_related("module").first()
    if timing is None or timing.status == TranscriptTiming.Status.READY:
        return
    TranscriptTiming.objects.filter(pk=timing.pk).update(status=TranscriptTiming.Status.RUNNING)
    module = timing.module
    lines = list(module.cues.order_by("position").values_list("position", "text"))
    try:
        with local_video(module) as video:
            proposals = align(audio_of(video), lines)
    except (AlignmentError, VideoPipelineError) as error:
        TranscriptTiming.objects.filter(pk=timing.pk).update(
            status=TranscriptTiming.Status.FAILED, error=str(error)
        )
        return
    except Exception as error:
        TranscriptTiming.objects.filter(pk=timing.pk).update(
            status=TranscriptTiming.Status.FAILED,
            error=f"Timing stopped ({type(error).__name__}: {error}); it is tried again.",
        )
        raise
    TranscriptTiming.objects.filter(pk=timing.pk).update(
        status=TranscriptTiming.Status.READY,
        proposals=[{"position": p.position, "start": p.start_seconds} for p in proposals],
    )
