"""Photo uploads: what is accepted, and how an image is cleaned before it is stored.

Only JPEG, PNG and WebP are accepted (Pillow would read many more formats), at most
`MAX_BYTES` each and `MAX_PIXELS` pixels — checked from the header before any decoding,
since Pillow only warns below twice its own limit. Anything carrying markup (an HTML or
script polyglot) is refused, truncated files fail to decode, and every image is decoded
and encoded afresh: orientation applied, EXIF (GPS included), comments and text chunks
dropped. Stored names are random; the files are only ever served by the photo view.
"""

from __future__ import annotations

import io
import re
import secrets
import unicodedata
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from salesmgmt.errors import DomainError

MAX_PHOTOS = 4
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
# A post's request: the photos at their limit plus room for the text fields.
MAX_REQUEST_BYTES = MAX_PHOTOS * MAX_BYTES + 1024 * 1024
MAX_EDGE = 4096  # larger images are scaled down when re-encoded
THUMB_EDGE = 480
MAX_NAME_LENGTH = 200
FORMATS = ("JPEG", "PNG", "WEBP")
EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")
FOLDER = "private/photos"
FIELD = "photos"

# Markup a browser would run if it ever sniffed the file as HTML (an image/HTML polyglot).
# Only signatures of six or more bytes: compressed image data is close to random, and a
# short pattern such as "<svg" turns up by chance in about one large photo in two thousand.
_MARKUP = re.compile(
    rb"<(?:script|iframe|object|embed|!doctype|html[\s>]|body[\s>]|meta[\s>])"
    rb"|javascript:|on(?:error|load)\s*=",
    re.IGNORECASE,
)


class PhotoRejected(DomainError):
    """An upload that is not an acceptable photo (answered 400 on `photos`)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field=FIELD)


@dataclass(frozen=True)
class CleanImage:
    format: str
    data: bytes
    thumbnail: bytes
    width: int
    height: int


def request_too_large(meta: Any) -> bool:
    """Whether a request's declared body is over what a post with photos may carry."""
    try:
        length = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > MAX_REQUEST_BYTES


def check_count(uploads: Sequence[Any]) -> None:
    if len(uploads) > MAX_PHOTOS:
        raise PhotoRejected(_("At most %(n)d photos per post.") % {"n": MAX_PHOTOS})


def check_name(name: str | None) -> None:
    """Refuse names that try to be paths or hide their extension; the name is never stored."""
    name = name or ""
    bad_characters = any(unicodedata.category(c).startswith("C") for c in name)
    if (
        not name
        or len(name) > MAX_NAME_LENGTH
        or bad_characters
        or "/" in name
        or "\\" in name
        or ".." in name
        or name.startswith(".")
    ):
        raise PhotoRejected(_("“%(name)s” is not an acceptable file name.") % {"name": name[:60]})
    if not name.lower().endswith(EXTENSIONS):
        raise PhotoRejected(
            _("“%(name)s”: only JPEG, PNG or WebP photos are accepted.") % {"name": name[:60]}
        )


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, format="JPEG", quality=85, optimize=True)
    elif fmt == "PNG":
        image.save(out, format="PNG", optimize=True)
    else:
        image.save(out, format="WEBP", quality=85)
    return out.getvalue()


def _normal_mode(image: Image.Image, fmt: str) -> Image.Image:
    if fmt == "JPEG":
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    if image.mode in ("RGB", "RGBA", "L", "LA"):
        return image
    has_alpha = image.mode in ("P", "PA") and "transparency" in image.info
    return image.convert("RGBA" if has_alpha or image.mode.endswith("A") else "RGB")


def clean_image(upload: Any) -> CleanImage:
    """Decode and re-encode one uploaded photo, or raise PhotoRejected with the reason."""
    name = getattr(upload, "name", "") or ""
    check_name(name)
    label = {"name": name[:60]}
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise PhotoRejected(_("“%(name)s” is larger than 10 MB.") % label)
    upload.seek(0)
    raw = upload.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise PhotoRejected(_("“%(name)s” is larger than 10 MB.") % label)
    if _MARKUP.search(raw):
        raise PhotoRejected(_("“%(name)s” is not a plain image (it carries markup).") % label)
    not_an_image = PhotoRejected(_("“%(name)s” is not a readable JPEG, PNG or WebP image.") % label)
    too_many_pixels = PhotoRejected(
        _("“%(name)s” has more than %(mp)d megapixels.") % {**label, "mp": MAX_PIXELS // 10**6}
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw), formats=FORMATS) as probe:
                fmt = str(probe.format)
                width, height = probe.size
                if width * height > MAX_PIXELS or width < 1 or height < 1:
                    raise too_many_pixels
                probe.verify()
            with Image.open(io.BytesIO(raw), formats=FORMATS) as decoded:
                decoded.load()
                upright = ImageOps.exif_transpose(decoded)
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_many_pixels from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise not_an_image from exc
    except Exception as exc:  # a decoder's own error on hostile input is still bad input
        raise not_an_image from exc
    image = _normal_mode(upright, fmt)
    image.info = {}  # no EXIF, comments, text chunks or profiles carried over
    if max(image.size) > MAX_EDGE:
        image.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
    thumb = image.copy()
    thumb.thumbnail((THUMB_EDGE, THUMB_EDGE), Image.Resampling.LANCZOS)
    return CleanImage(
        format=fmt,
        data=_encode(image, fmt),
        thumbnail=_encode(thumb, fmt),
        width=image.width,
        height=image.height,
    )


def clean_uploads(uploads: Sequence[Any]) -> list[CleanImage]:
    """Every photo of one post, checked before anything is written."""
    check_count(uploads)
    return [clean_image(upload) for upload in uploads]


def store(data: bytes, extension: str) -> str:
    """Save bytes under a random name in the private folder; returns the storage name."""
    name = f"{FOLDER}/{secrets.token_hex(2)}/{secrets.token_urlsafe(24)}.{extension}"
    return default_storage.save(name, ContentFile(data))


def delete_files(names: Sequence[str]) -> None:
    for name in names:
        if name:
            default_storage.delete(name)


def open_file(name: str) -> Any:
    return default_storage.open(name, "rb")


def photo_response(photo: Any, *, thumbnail: bool = False) -> Any:
    """The stored image as a download-safe response: its own type, never sniffed, never
    rendered as a page of its own, private to the reader's cache."""
    from django.http import FileResponse, Http404

    name = photo.thumbnail if thumbnail else photo.file
    try:
        handle = open_file(name)
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=photo.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    suffix = "-thumb" if thumbnail else ""
    response["Content-Disposition"] = (
        f'attachment; filename="photo-{photo.pk}{suffix}.{photo.extension}"'
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
