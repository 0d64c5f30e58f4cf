"""Video first byte and a seek: streamed by a worker (local files) against a 302 to a
presigned address of a bucket (moto's S3 server on the loopback, MEDIA_STORAGE=s3).

One published module with the demo video (1.7 MB WebM), in a database of its own
(coachlearn_bench_media); the same file under the same name in a local MEDIA_ROOT and in
a bucket. Two gunicorns (production settings, 2 gthread workers each): one streams from
the folder, one redirects to the bucket. A client that keeps its connections open (as a
browser does, to the site and to the bucket) then asks, --rounds times each:

- first byte: `GET /modules/<slug>/video` with `Range: bytes=0-` until the first byte;
- a seek: `Range: bytes=<middle>-` until the first byte, then 64 KiB read;
- the app's part alone: the time to the 302 (redirect) or to the headers (streaming).

    .venv/bin/python bench/media_redirect.py [--rounds 100]

moto is a Python server and no real S3: the bucket's side of these figures is slower than
a real object store's; what the redirect takes away from the app servers is the point.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from common import (
    ROOT,
    collect_static,
    configure,
    free_port,
    percentile,
    set_up_django,
    start_gunicorn,
    stop_server,
    wait_for,
)

DATABASE = "coachlearn_bench_media"
SLUG = "bench-media"
BUCKET = "coachlearn-bench-media"
VIDEO = ROOT / "modules" / "demo" / "coaching-basics.webm"
CHUNK = 64 * 1024
configure(DATABASE, ALLOWED_HOSTS="127.0.0.1", LOG_LEVEL="ERROR", REQUEST_LOG="0")


def s3_env(endpoint: str) -> dict[str, str]:
    return {
        "MEDIA_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": endpoint,
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_S3_ADDRESSING_STYLE": "path",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench-secret",
    }


def prepare(endpoint: str, media_root: Path) -> str:
    """The module, its video in the bucket and in media_root; the stored name."""
    import boto3

    os.environ.update(s3_env(endpoint))
    set_up_django()
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from modules.models import Module

    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench-secret",
    ).create_bucket(Bucket=BUCKET)
    Module.objects.filter(slug=SLUG).delete()
    module = Module.objects.create(
        title="Bench media",
        slug=SLUG,
        activity_code="BM-0001",
        is_published=True,
        published_at=timezone.now(),
    )
    module.video.save("bench.webm", ContentFile(VIDEO.read_bytes()))  # into the bucket
    local = media_root / module.video.name
    local.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(VIDEO, local)
    return module.video.name


class Client:
    """Keep-alive connections, one per origin, as a browser keeps them."""

    def __init__(self) -> None:
        self.connections: dict[str, http.client.HTTPConnection] = {}

    def get(self, url: str, byte_range: str, read: int = 1) -> tuple[int, str, float]:
        """(status, Location, when `read` bytes of the body had come), the rest drained."""
        parts = urlsplit(url)
        connection = self.connections.get(parts.netloc)
        if connection is None:
            connection = http.client.HTTPConnection(parts.netloc, timeout=30)
            self.connections[parts.netloc] = connection
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request("GET", path, headers={"Range": byte_range})
        response = connection.getresponse()
        location = response.getheader("Location", "")
        response.read(read)
        arrived = time.perf_counter()
        response.read()  # the rest, so that the connection can be used again
        return response.status, location, arrived


def timed(client: Client, url: str, byte_range: str, read: int) -> tuple[float, float]:
    """(seconds until the bytes asked for came, seconds of the app's own answer)."""
    started = time.perf_counter()
    status, location, arrived = client.get(url, byte_range, read)
    app = arrived - started
    if status == 302:
        status, _, arrived = client.get(location, byte_range, read)
    if status != 206:
        raise SystemExit(f"{url} {byte_range}: {status}")
    return arrived - started, app


def measure(url: str, rounds: int, size: int) -> dict[str, list[float]]:
    client = Client()
    figures: dict[str, list[float]] = {"first byte": [], "seek 64 KiB": [], "app's part": []}
    for _ in range(rounds):
        total, app = timed(client, url, "bytes=0-", 1)
        figures["first byte"].append(total)
        figures["app's part"].append(app)
        total, _ = timed(client, url, f"bytes={size // 2}-", CHUNK)
        figures["seek 64 KiB"].append(total)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    from moto.server import ThreadedMotoServer

    collect_static()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's log of each request
    moto_port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    moto.start()
    endpoint = f"http://127.0.0.1:{moto_port}"
    media_root = Path(tempfile.mkdtemp(prefix="coachlearn-bench-media-"))
    servers = []
    try:
        prepare(endpoint, media_root)
        from django.db import connections

        connections.close_all()
        base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MEDIA_"))}
        kinds = {
            "streamed by the app (local file)": {
                **base,
                "MEDIA_ROOT": str(media_root),
                "MEDIA_STORAGE": "local",
            },
            "302 to a presigned bucket address": {**base, **s3_env(endpoint)},
        }
        size = VIDEO.stat().st_size
        print(f"{os.cpu_count()} cores; {size:,}-byte WebM; {args.rounds} rounds; load average"
              f" {' '.join(f'{v:.2f}' for v in os.getloadavg())}")  # fmt: skip
        print(f"  {'served':<36} {'measure':<12} {'median ms':>9} {'p95 ms':>7}")
        for name, env in kinds.items():
            port = free_port()
            server = start_gunicorn(port, 2, "--worker-class", "gthread", "--threads", "4", env=env)
            servers.append(server)
            wait_for(port, server)
            url = f"http://127.0.0.1:{port}/modules/{SLUG}/video"
            measure(url, 5, size)  # warm: connections, the worker's first requests
            for measure_name, values in measure(url, args.rounds, size).items():
                print(
                    f"  {name:<36} {measure_name:<12} {statistics.median(values) * 1000:>9.2f}"
                    f" {percentile(values, 0.95) * 1000:>7.2f}"
                )
    finally:
        for server in servers:
            stop_server(server)
        moto.stop()
        shutil.rmtree(media_root, ignore_errors=True)


if __name__ == "__main__":
    main()
