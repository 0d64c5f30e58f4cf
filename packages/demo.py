"""The demo series as module packages.

modules/demo/catalog.toml describes the series and its modules in the words of
bin/make_demo_media.py; each module is written out as a package folder (module.toml, its
transcript, video and poster) and loaded by the package importer, like any package.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from packages.export import manifest_text
from packages.manifest import MANIFEST, PACKAGE_FORMAT

DEMO_DIR = Path(settings.BASE_DIR) / "modules" / "demo"
MODULE_KEYS = (
    "slug",
    "title",
    "activity_code",
    "position",
    "credit",
    "duration_seconds",
    "competencies",
    "objectives",
)
PROSE_KEYS = ("summary", "description", "disclosure_statement", "participation_statement")
MEDIA_KEYS = ("video", "poster")


@dataclass(frozen=True)
class DemoPackage:
    folder: Path
    evaluation: list[dict]  # the certificate's evaluation questions (not part of a package)
    missing: list[str] = field(default_factory=list)  # media files not found: "video", …


def demo_packages(catalog: dict, *, out: Path, source: Path = DEMO_DIR) -> Iterator[DemoPackage]:
    """Write one package folder under `out` per module of the catalog, published."""
    for entry in catalog["modules"]:
        folder = out / entry["slug"]
        folder.mkdir(parents=True)
        table = {key: entry[key] for key in MODULE_KEYS}
        table |= {key: entry[key].strip() for key in PROSE_KEYS}
        table["published"] = True
        table["transcript"] = _copy(source / entry["transcript"], folder)
        missing = []
        for key in MEDIA_KEYS:
            if (source / entry[key]).exists():
                table[key] = _copy(source / entry[key], folder)
            else:
                missing.append(key)
        document = {"format": PACKAGE_FORMAT, "module": table, "series": _series(catalog)}
        if "quiz" in entry:
            document["quiz"] = entry["quiz"]
        (folder / MANIFEST).write_text(manifest_text(document))
        yield DemoPackage(folder=folder, evaluation=entry.get("evaluation", []), missing=missing)


def _series(catalog: dict) -> dict:
    series = catalog["series"]
    return {
        "slug": series["slug"],
        "title": series["title"],
        "description": series["description"].strip(),
    }


def _copy(path: Path, folder: Path) -> str:
    shutil.copyfile(path, folder / path.name)
    return path.name
