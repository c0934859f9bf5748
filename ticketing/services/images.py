"""Show pictures: the uploaded original is kept, and smaller WebP copies are made once at
upload so a phone downloads ~40 KB instead of the photographer's 5 MB (`srcset` picks one).

Files go through the default storage, which puts each venue's files under its own folder
(MEDIA_ROOT/<schema>/, served by tenants.views.system.media after checking the host): two
venues never share a path, even for shows of the same name.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps

WIDTHS = (480, 960, 1600)
QUALITY = 80


def make_renditions(image_file) -> dict[str, dict]:
    """Save WebP copies of an uploaded picture at WIDTHS (never wider than the original) and
    answer {width: {"name": storage name, "w": …, "h": …}}. `image_file`: the saved
    ImageField file of a show."""
    image_file.open("rb")
    try:
        data = image_file.read()
    finally:
        image_file.close()
    digest = hashlib.sha256(data).hexdigest()[:12]
    stem = PurePosixPath(image_file.name).stem[:60]
    with Image.open(io.BytesIO(data)) as original:
        picture = ImageOps.exif_transpose(original).convert("RGB")
    renditions: dict[str, dict] = {}
    widths = [w for w in WIDTHS if w < picture.width] or [picture.width]
    if picture.width > widths[-1] and len(widths) < len(WIDTHS):
        widths.append(picture.width)  # the largest copy: the original's own width
    for width in widths:
        height = max(1, round(picture.height * width / picture.width))
        copy = picture if width == picture.width else picture.resize((width, height), Image.LANCZOS)
        buffer = io.BytesIO()
        copy.save(buffer, "WEBP", quality=QUALITY, method=4)
        # The content's hash in the name: a new picture is a new address, so browsers may
        # keep these files for good.
        name = default_storage.save(
            f"shows/{stem}-{digest}-{width}w.webp", ContentFile(buffer.getvalue())
        )
        renditions[str(width)] = {"name": name, "w": width, "h": height}
    return renditions


def delete_renditions(renditions: dict) -> None:
    for entry in (renditions or {}).values():
        default_storage.delete(entry["name"])
