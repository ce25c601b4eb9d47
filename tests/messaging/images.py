"""Image files made with Pillow for the upload tests: real photos and hostile ones."""

from __future__ import annotations

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

# EXIF tags: Orientation, GPSInfo; GPS: latitude ref and latitude.
ORIENTATION, GPS_INFO = 0x0112, 0x8825


def image_bytes(
    fmt: str = "JPEG",
    size: tuple[int, int] = (64, 48),
    *,
    colour: tuple[int, int, int] = (200, 30, 30),
    orientation: int | None = None,
    gps: bool = False,
    comment: bytes | None = None,
) -> bytes:
    """An image with optional EXIF orientation and GPS position (Tokyo Station)."""
    image = Image.new("RGB", size, colour)
    # A marker in the top-left corner, to see where it ends up after rotation.
    for x in range(size[0] // 4):
        for y in range(size[1] // 4):
            image.putpixel((x, y), (0, 0, 255))
    exif = Image.Exif()
    if orientation is not None:
        exif[ORIENTATION] = orientation
    if gps:
        exif[GPS_INFO] = {1: "N", 2: (35.0, 40.0, 52.0), 3: "E", 4: (139.0, 46.0, 0.0)}
    out = io.BytesIO()
    options: dict = {"exif": exif.tobytes()} if (orientation or gps) and fmt != "PNG" else {}
    if fmt == "PNG" and (orientation or gps):
        options = {"exif": exif.tobytes()}
    if comment is not None and fmt == "JPEG":
        options["comment"] = comment
    image.save(out, format=fmt, **options)
    return out.getvalue()


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def jpeg(name: str = "photo.jpg", **kwargs) -> SimpleUploadedFile:
    return upload(image_bytes("JPEG", **kwargs), name)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width by height pixels but carries (almost) no data: a pixel flood."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>'
)
PLAIN_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>'
SCRIPT = b"#!/bin/sh\necho owned\n<script>alert(1)</script>\n"
