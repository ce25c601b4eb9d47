"""S6 and S7: photos are cleaned on upload and reachable only through a checked view.

Accepted: JPEG, PNG and WebP up to 10 MB and 40 megapixels, re-encoded without EXIF (GPS
included), turned upright, with a thumbnail, stored under random names. Refused with a
clear 400 (413 for a body over the limit): SVG, EPS, scripts renamed .jpg, image/HTML
polyglots, truncated files, pixel floods, too many files, names that try to be paths.
"""

from __future__ import annotations

import io
import os

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from messaging import photos, services
from messaging.models import Photo, Post
from salesmgmt.errors import DomainError
from tests import routes
from tests.messaging.images import (
    GPS_INFO,
    PLAIN_SVG,
    SCRIPT,
    SVG,
    image_bytes,
    jpeg,
    png_header_only,
    upload,
)

pytestmark = pytest.mark.django_db

POSTS = "/api/v1/orgs/acme/posts/"


def _post_with(api, *files, kind="photo_action"):
    return api.post(
        POSTS, {"kind": kind, "body": "Our stand", "photos": list(files)}, format="multipart"
    )


def _stored(photo: Photo) -> bytes:
    with photos.open_file(photo.file) as handle:
        return handle.read()


# --- what is accepted, and how it is stored ----------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "name", "content_type"),
    [
        ("JPEG", "a.jpg", "image/jpeg"),
        ("PNG", "a.png", "image/png"),
        ("WEBP", "a.webp", "image/webp"),
    ],
)
def test_a_jpeg_png_or_webp_photo_is_stored_re_encoded_with_a_thumbnail(
    fmt, name, content_type, member, api_for
):
    response = _post_with(
        api_for(member), upload(image_bytes(fmt, (1200, 900)), name, content_type)
    )

    assert response.status_code == 201, response.content
    shown = response.json()["photos"]
    assert len(shown) == 1
    assert (shown[0]["width"], shown[0]["height"]) == (1200, 900)
    photo = Photo.objects.get()
    assert photo.format == fmt
    with Image.open(io.BytesIO(_stored(photo))) as stored:
        assert stored.format == fmt
    with photos.open_file(photo.thumbnail) as handle, Image.open(handle) as thumb:
        assert max(thumb.size) == photos.THUMB_EDGE


def test_gps_and_every_other_exif_tag_are_removed(member, api_for):
    original = image_bytes("JPEG", gps=True, orientation=1)
    with Image.open(io.BytesIO(original)) as check:
        assert GPS_INFO in check.getexif()  # the upload really carries a position

    assert _post_with(api_for(member), upload(original)).status_code == 201

    stored = _stored(Photo.objects.get())
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif()
        assert "exif" not in image.info
    assert b"Exif" not in stored


def test_a_jpeg_comment_is_not_carried_over(member, api_for):
    data = image_bytes("JPEG", comment=b"taken at Kaede Trading HQ")
    assert _post_with(api_for(member), upload(data)).status_code == 201
    assert b"Kaede" not in _stored(Photo.objects.get())


def test_a_photo_taken_sideways_is_stored_upright(member, api_for):
    # Orientation 6: the camera was turned; viewers rotate it 90 degrees clockwise.
    data = image_bytes("JPEG", (80, 40), orientation=6)

    response = _post_with(api_for(member), upload(data))

    assert response.status_code == 201
    photo = Photo.objects.get()
    assert (photo.width, photo.height) == (40, 80)
    with Image.open(io.BytesIO(_stored(photo))) as image:
        assert image.size == (40, 80)
        # The blue marker of the top-left corner is now in the top-right corner.
        red, _green, blue = image.convert("RGB").getpixel((image.width - 3, 3))
        assert blue > 150
        assert red < 100


def test_stored_files_have_random_names_under_the_private_folder(member, api_for):
    for _ in range(2):
        assert _post_with(api_for(member), jpeg("IMG_0001.jpg")).status_code == 201

    names = [p.file for p in Photo.objects.all()] + [p.thumbnail for p in Photo.objects.all()]
    assert len(set(names)) == 4
    for name in names:
        assert name.startswith(f"{photos.FOLDER}/")
        assert "IMG_0001" not in name
        assert os.path.isfile(os.path.join(settings.MEDIA_ROOT, name))


def test_a_japanese_file_name_is_fine_and_is_not_kept(member, api_for):
    assert _post_with(api_for(member), jpeg("写真.jpg")).status_code == 201
    assert "写真" not in Photo.objects.get().file


def test_large_images_are_scaled_down_to_the_longest_edge(member):
    big = upload(image_bytes("JPEG", (6000, 3000)))
    cleaned = photos.clean_image(big)
    assert (cleaned.width, cleaned.height) == (photos.MAX_EDGE, photos.MAX_EDGE // 2)


# --- what is refused ----------------------------------------------------------------------


def _jpeg_with_html_after_the_image() -> bytes:
    return (
        image_bytes("JPEG") + b"<html><body><script>alert(document.cookie)</script></body></html>"
    )


def _jpeg_with_script_in_a_comment() -> bytes:
    return image_bytes("JPEG", comment=b"<script>alert(1)</script>")


def _truncated_jpeg() -> bytes:
    data = image_bytes("JPEG", (400, 300))
    return data[: len(data) // 2]


def _eps() -> bytes:
    return b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nnewpath 0 0 moveto showpage\n"


def _fits() -> bytes:
    header = "SIMPLE  =                    T".ljust(80) + "BITPIX  =                    8".ljust(80)
    header += "NAXIS   =                    2".ljust(80) + "NAXIS1  =                   10".ljust(
        80
    )
    header += "NAXIS2  =                   10".ljust(80) + "END".ljust(80)
    return header.ljust(2880).encode() + bytes(2880)


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="GIF")
    return out.getvalue()


REFUSED = {
    "an SVG with a script": (SVG, "drawing.jpg", "markup"),
    "a plain SVG": (PLAIN_SVG, "drawing.png", "not a readable"),
    "an SVG named .svg": (SVG, "drawing.svg", "only JPEG, PNG or WebP"),
    "a script renamed .jpg": (SCRIPT, "holiday.jpg", "markup"),
    "a JPEG followed by HTML (polyglot)": (_jpeg_with_html_after_the_image(), "a.jpg", "markup"),
    "a JPEG carrying a script in a comment": (_jpeg_with_script_in_a_comment(), "a.jpg", "markup"),
    "an EPS renamed .jpg": (_eps(), "a.jpg", "not a readable"),
    "a FITS file renamed .png": (_fits(), "a.png", "not a readable"),
    "a GIF renamed .png": (_gif(), "a.png", "not a readable"),
    "a truncated JPEG": (_truncated_jpeg(), "a.jpg", "not a readable"),
    "a 150-megapixel PNG header (pixel flood)": (
        png_header_only(15000, 10000),
        "a.png",
        "megapixels",
    ),
    "a 48-megapixel PNG header": (png_header_only(8000, 6000), "a.png", "megapixels"),
    "an empty file": (b"", "a.jpg", "not a readable"),
    "a hidden file name": (image_bytes("JPEG"), ".htaccess.jpg", "file name"),
    "an executable extension": (image_bytes("JPEG"), "a.jpg.exe", "only JPEG, PNG or WebP"),
}


@pytest.mark.parametrize("case", list(REFUSED), ids=list(REFUSED))
def test_hostile_uploads_are_refused_with_a_clear_400_and_nothing_is_stored(case, member, api_for):
    data, name, reason = REFUSED[case]

    response = _post_with(api_for(member), SimpleUploadedFile(name, data, "image/jpeg"))

    assert response.status_code == 400, response.content
    assert reason in " ".join(response.json()["photos"])
    assert not Post.objects.exists()
    assert not Photo.objects.exists()
    folder = os.path.join(settings.MEDIA_ROOT, photos.FOLDER)
    assert not os.path.exists(folder) or not any(files for _, _, files in os.walk(folder))


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/cron.d/a.jpg",
        "..\\..\\a.jpg",
        "photo\u202egpj.exe",
        "a\x00.jpg",
        "",
        "a" * 300 + ".jpg",
    ],
    ids=["path", "windows path", "right-to-left override", "NUL", "empty", "too long"],
)
def test_names_that_try_to_be_paths_or_hide_their_extension_are_refused(name):
    with pytest.raises(DomainError, match="file name"):
        photos.check_name(name)


def test_a_path_sent_as_the_name_is_never_used_for_storage(member, api_for):
    response = _post_with(api_for(member), jpeg("../../../../tmp/evil.jpg"))
    assert response.status_code == 201
    stored = Photo.objects.get().file
    assert "evil" not in stored
    assert ".." not in stored
    assert stored.startswith(photos.FOLDER)


def test_a_photo_over_10_mb_is_refused(member):
    oversize = SimpleUploadedFile("a.jpg", b"\xff\xd8" + bytes(photos.MAX_BYTES), "image/jpeg")
    with pytest.raises(DomainError, match="10 MB"):
        services.create_post(actor=member, kind="photo_action", body="x", uploads=[oversize])


def test_five_photos_are_one_too_many(member, api_for):
    response = _post_with(api_for(member), *[jpeg(f"{i}.jpg") for i in range(5)])
    assert response.status_code == 400
    assert "At most 4 photos" in response.json()["photos"][0]
    assert not Post.objects.exists()


def test_two_hundred_files_are_refused_without_parsing_them_all(member, api_for):
    files = [SimpleUploadedFile(f"{i}.jpg", b"x", "image/jpeg") for i in range(200)]
    response = _post_with(api_for(member), *files)
    assert response.status_code == 400
    assert "At most 4 photos" in response.json()["photos"][0]
    assert not Post.objects.exists()


def test_a_body_over_the_limit_answers_413_before_it_is_read(member, api_for):
    api = api_for(member)
    response = api.generic(
        "POST",
        POSTS,
        data=b"--x\r\n",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(photos.MAX_REQUEST_BYTES + 1),
    )
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]


def test_the_new_post_page_answers_413_to_an_oversize_body(member, client_for):
    client = client_for(member)
    response = client.generic(
        "POST",
        "/o/acme/feed/new/",
        data=b"--x\r\n",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(photos.MAX_REQUEST_BYTES + 1),
    )
    assert response.status_code == 413
    assert not Post.objects.exists()


def test_the_new_post_page_refuses_a_polyglot_with_a_form_error(member, client_for):
    bad = SimpleUploadedFile("a.jpg", _jpeg_with_html_after_the_image(), "image/jpeg")
    response = client_for(member).post(
        "/o/acme/feed/new/", {"kind": "photo_action", "body": "Stand", "photos": [bad]}
    )
    assert response.status_code == 400
    assert "markup" in response.content.decode()
    assert not Post.objects.exists()


def test_the_new_post_page_stores_a_good_photo(member, client_for):
    response = client_for(member).post(
        "/o/acme/feed/new/", {"kind": "photo_action", "body": "Stand", "photos": [jpeg()]}
    )
    assert response.status_code == 302
    assert Post.objects.get().photos.count() == 1


def test_the_new_post_page_still_checks_csrf(member, client_for):
    client = client_for(member, enforce_csrf_checks=True)
    response = client.post("/o/acme/feed/new/", {"kind": "reflection", "body": "Hello"})
    assert response.status_code == 403
    assert not Post.objects.exists()


# --- S6: serving ----------------------------------------------------------------------------


@pytest.fixture
def photo(member, team, manager):
    post = services.create_post(
        actor=member, kind="photo_action", body="Stand", team=team, uploads=[jpeg()]
    )
    return post.photos.get()


@pytest.mark.parametrize(
    "url", ["/api/v1/orgs/acme/photos/{id}/", "/o/acme/photos/{id}/"], ids=["api", "page"]
)
def test_a_photo_is_served_with_a_safe_type_nosniff_and_as_an_attachment(
    url, photo, manager, client_for
):
    response = client_for(manager).get(url.format(id=photo.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f'attachment; filename="photo-{photo.pk}.jpg"'
    assert "private" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert body == _stored(photo)


def test_the_thumbnail_is_served_on_request(photo, member, client_for):
    response = client_for(member).get(f"/o/acme/photos/{photo.pk}/?size=thumb")
    assert response.status_code == 200
    with photos.open_file(photo.thumbnail) as handle:
        assert b"".join(response.streaming_content) == handle.read()


@pytest.mark.parametrize(
    "url", ["/api/v1/orgs/acme/photos/{id}/", "/o/acme/photos/{id}/"], ids=["api", "page"]
)
def test_someone_who_may_not_see_the_post_gets_the_404_of_a_missing_photo(
    url, photo, other_manager, other_team_member, client_for
):
    for who in (other_manager, other_team_member):
        client = client_for(who)
        hidden = client.get(url.format(id=photo.pk))
        missing = client.get(url.format(id=photo.pk + 1000))
        assert hidden.status_code == missing.status_code == 404
        assert routes.body(hidden) == routes.body(missing)


def test_another_organisation_cannot_fetch_a_photo_by_guessing_its_id(photo, outsider, client_for):
    client = client_for(outsider)
    assert client.get(f"/o/globex/photos/{photo.pk}/").status_code == 404
    assert client.get(f"/api/v1/orgs/globex/photos/{photo.pk}/").status_code == 404
    assert client.get(f"/o/acme/photos/{photo.pk}/").status_code == 404


def test_the_stored_file_has_no_public_url(photo, member, client_for):
    client = client_for(member)
    for path in (f"/media/{photo.file}", f"{settings.MEDIA_URL}{photo.thumbnail}"):
        assert client.get(path).status_code == 404


def test_the_api_lists_photos_by_their_checked_url_only(photo, member, api_for):
    shown = api_for(member).get(f"{POSTS}{photo.post_id}/").json()["photos"][0]
    assert shown["url"].endswith(f"/api/v1/orgs/acme/photos/{photo.pk}/")
    assert shown["thumbnail_url"].endswith(f"/api/v1/orgs/acme/photos/{photo.pk}/?size=thumb")
    assert photo.file not in str(shown)


def test_deleting_the_post_removes_its_files(photo, member, django_capture_on_commit_callbacks):
    names = [photo.file, photo.thumbnail]
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_post(actor=member, post=photo.post)
    for name in names:
        assert not os.path.exists(os.path.join(settings.MEDIA_ROOT, name))
