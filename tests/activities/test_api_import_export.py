"""CSV import (all or nothing, errors by line, 5 MB cap) and CSV export (S12 escaping, cap)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from activities.csv_export import ACTIVITY_COLUMNS
from activities.models import Activity, DirtyBucket
from salesmgmt.csv_files import neutralise
from tests.activities.factories import ActivityFactory, default_types

pytestmark = pytest.mark.django_db

IMPORT_URL = "/api/v1/orgs/acme/activities/import/"
EXPORT_URL = "/api/v1/orgs/acme/activities/export/"
NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
HEADER = "user_email,type,occurred_at,quantity,note\n"


@pytest.fixture(autouse=True)
def types(org):
    return default_types(org)


@pytest.fixture(autouse=True)
def _frozen_clock_and_fresh_throttles(time_machine):
    time_machine.move_to(NOW, tick=False)
    cache.clear()


def upload(text: str | bytes, name: str = "activities.csv") -> dict[str, SimpleUploadedFile]:
    content = text.encode() if isinstance(text, str) else text
    return {"file": SimpleUploadedFile(name, content, content_type="text/csv")}


# --- import -------------------------------------------------------------------------------


def test_a_multipart_upload_creates_every_row(api_for, member):
    email = member.user.email
    text = (
        HEADER
        + f"{email},new_visit,2026-03-01T23:30:00+09:00,2,First call\n"
        + f"{email},call,2026-03-02,,\n"
    )
    response = api_for(member).post(IMPORT_URL, upload(text), format="multipart")
    assert response.status_code == 201, response.content
    assert response.json() == {"created": 2, "errors": []}
    stored = list(Activity.objects.order_by("occurred_at").values_list("quantity", "local_date"))
    assert [(q, d.isoformat()) for q, d in stored] == [(2, "2026-03-01"), (1, "2026-03-02")]
    assert set(Activity.objects.values_list("user_id", "team_id")) == {
        (member.user_id, member.team_id)
    }
    assert DirtyBucket.objects.filter(user=member.user).count() == 2


def test_a_raw_text_csv_body_is_accepted(api_for, member):
    text = HEADER + f"{member.user.email},call,2026-03-02T10:00:00+09:00,1,\n"
    response = api_for(member).generic(
        "POST", IMPORT_URL, text.encode(), content_type="text/csv; charset=utf-8"
    )
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 1


def test_one_bad_line_creates_nothing_and_names_the_line(api_for, member):
    email = member.user.email
    text = (
        HEADER
        + f"{email},new_visit,2026-03-01,1,good\n"
        + f"{email},teleport,2026-03-01,1,bad type\n"
        + f"{email},call,2026-03-01,0,bad quantity\n"
        + f"{email},call,2026-03-01,1,good again\n"
    )
    response = api_for(member).post(IMPORT_URL, upload(text), format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["created"] == 0
    assert [e["line"] for e in body["errors"]] == [3, 4]
    assert all(e["message"] for e in body["errors"])
    assert not Activity.objects.exists()
    assert not DirtyBucket.objects.exists()


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"\xff\xfe\x00garbage", id="not utf-8"),
        pytest.param("who,what\nsam,call\n", id="missing columns"),
        pytest.param(HEADER + "{email},call,2026-03-01,1,note,extra\n", id="too many cells"),
        pytest.param(HEADER + '{email},call,"2026-03-01,1,unclosed\n', id="unclosed quote"),
        pytest.param(HEADER, id="no rows"),
        pytest.param(HEADER + "{email},call,2026-03-31,1,future\n", id="future date"),
    ],
)
def test_malformed_csv_answers_400_with_line_errors_and_creates_nothing(api_for, member, content):
    if isinstance(content, str):
        content = content.replace("{email}", member.user.email)
    response = api_for(member).post(IMPORT_URL, upload(content), format="multipart")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["created"] == 0
    assert body["errors"]
    assert {"line", "message"} == set(body["errors"][0])
    assert not Activity.objects.exists()


def test_a_member_cannot_import_for_a_teammate(api_for, member, teammate):
    text = HEADER + f"{teammate.user.email},call,2026-03-02,1,\n"
    response = api_for(member).post(IMPORT_URL, upload(text), format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"][0]["line"] == 2
    assert not Activity.objects.exists()


def test_an_admin_imports_for_anyone_but_not_for_another_orgs_people(
    api_for, admin, member, outsider
):
    client = api_for(admin)
    foreign = HEADER + f"{outsider.user.email},call,2026-03-02,1,\n"
    assert client.post(IMPORT_URL, upload(foreign), format="multipart").status_code == 400
    assert not Activity.objects.exists()
    ours = HEADER + f"{member.user.email},call,2026-03-02,1,\n"
    assert client.post(IMPORT_URL, upload(ours), format="multipart").status_code == 201
    assert Activity.objects.get().user_id == member.user_id


def test_a_file_over_5_mb_is_refused_before_anything_is_created(api_for, member):
    line = f"{member.user.email},call,2026-03-02,1,{'x' * 200}\n"
    text = HEADER + line * (5 * 1024 * 1024 // len(line) + 1)
    client = api_for(member)
    as_file = client.post(IMPORT_URL, upload(text), format="multipart")
    as_body = client.generic("POST", IMPORT_URL, text.encode(), content_type="text/csv")
    assert as_file.status_code == 413
    assert as_body.status_code == 413
    assert "5 MB" in as_file.json()["detail"]
    assert not Activity.objects.exists()


def test_a_declared_length_over_the_limit_is_refused_without_reading_the_body(api_for, member):
    response = api_for(member).generic(
        "POST", IMPORT_URL, b"user_email", content_type="text/csv", CONTENT_LENGTH="99999999"
    )
    assert response.status_code == 413


def test_a_request_without_a_file_is_a_400_in_the_import_shape(api_for, member):
    response = api_for(member).post(IMPORT_URL, {"other": "x"}, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["created"] == 0
    assert body["errors"][0]["line"] == 0
    assert "file" in body["errors"][0]["message"]


def test_a_byte_order_mark_is_accepted(api_for, member):
    text = HEADER + f"{member.user.email},call,2026-03-02,1,\n"
    response = api_for(member).post(
        IMPORT_URL, upload(b"\xef\xbb\xbf" + text.encode()), format="multipart"
    )
    assert response.status_code == 201, response.content
    utf16 = api_for(member).post(IMPORT_URL, upload(text.encode("utf-16")), format="multipart")
    assert utf16.status_code == 201, utf16.content
    assert Activity.objects.count() == 2


def test_a_nul_character_in_a_note_refuses_the_file_naming_its_line(api_for, member):
    email = member.user.email
    text = HEADER + f"{email},call,2026-03-02,1,fine\n{email},call,2026-03-02,1,bad\x00note\n"
    for response in (
        api_for(member).post(IMPORT_URL, upload(text), format="multipart"),
        api_for(member).generic("POST", IMPORT_URL, text.encode(), content_type="text/csv"),
    ):
        assert response.status_code == 400
        assert response.json() == {
            "created": 0,
            "errors": [
                {
                    "line": 3,
                    "message": "This line contains a NUL character, which cannot be stored; "
                    "remove it.",
                }
            ],
        }
    assert not Activity.objects.exists()


def test_an_unterminated_quote_is_refused_with_its_line_not_swallowing_the_next(api_for, member):
    email = member.user.email
    text = (
        HEADER
        + f"{email},call,2026-03-02,1,fine\n"
        + f'{email},call,2026-03-02,1,"Met the buyer\n'
        + f"{email},new_visit,2026-03-03,1,would vanish into the note above\n"
    )
    response = api_for(member).post(IMPORT_URL, upload(text), format="multipart")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["line"] == 3
    assert "never closed" in error["message"]
    assert not Activity.objects.exists()


def test_a_quoted_note_may_span_lines_and_later_lines_keep_their_numbers(api_for, member):
    email = member.user.email
    text = (
        HEADER
        + f'{email},call,2026-03-02,1,"first line\nsecond line"\n'
        + f"{email},teleport,2026-03-02,1,bad type\n"
    )
    response = api_for(member).post(IMPORT_URL, upload(text), format="multipart")
    assert response.status_code == 400
    assert [e["line"] for e in response.json()["errors"]] == [4]
    ok = text.replace("teleport", "call")
    assert api_for(member).post(IMPORT_URL, upload(ok), format="multipart").status_code == 201
    assert Activity.objects.filter(note="first line\nsecond line").exists()


def test_outsider_cannot_import_into_another_org(api_for, outsider, member):
    text = HEADER + f"{member.user.email},call,2026-03-02,1,\n"
    response = api_for(outsider).post(IMPORT_URL, upload(text), format="multipart")
    assert response.status_code == 404
    assert not Activity.objects.exists()


# --- export -------------------------------------------------------------------------------


def export_rows(response) -> list[dict[str, str]]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_export_streams_the_visible_list_as_an_attachment(api_for, member, teammate, manager):
    mine = ActivityFactory.create(
        membership=member, quantity=3, note="Met Tanaka-san", accompanied_by=manager.user
    )
    ActivityFactory.create(membership=teammate)
    response = api_for(member).get(EXPORT_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment; filename=")
    rows = export_rows(response)
    assert len(rows) == 1
    assert tuple(rows[0]) == ACTIVITY_COLUMNS
    assert rows[0] == {
        "occurred_at": "2026-03-02T10:00:00+09:00",
        "local_date": mine.local_date.isoformat(),
        "user_email": member.user.email,
        "user_name": member.user.display_name,
        "team": member.team.name,
        "type": "new_visit",
        "quantity": "3",
        "note": "Met Tanaka-san",
        "accompanied_by_email": manager.user.email,
        "observation": "",
        "follow_up": "",
    }


def test_export_applies_the_list_filters(api_for, admin, member, teammate, types):
    ActivityFactory.create(membership=member, type=types["call"])
    ActivityFactory.create(membership=teammate)
    client = api_for(admin)
    assert len(export_rows(client.get(EXPORT_URL))) == 2
    assert [r["type"] for r in export_rows(client.get(EXPORT_URL, {"type": "call"}))] == ["call"]
    by_user = export_rows(client.get(EXPORT_URL, {"user": teammate.user_id}))
    assert [r["user_email"] for r in by_user] == [teammate.user.email]
    bad = client.get(EXPORT_URL, {"from": "someday"})
    assert bad.status_code == 400
    assert "from" in bad.json()


@pytest.mark.parametrize(
    ("note", "cell"),
    [
        (
            '=HYPERLINK("http://evil.example","click")',
            '\'=HYPERLINK("http://evil.example","click")',
        ),
        ("+81 3 1234", "'+81 3 1234"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("plain text = fine", "plain text = fine"),
    ],
)
def test_export_neutralises_formula_cells(api_for, member, note, cell):
    ActivityFactory.create(membership=member, note=note, observation=note)
    [row] = export_rows(api_for(member).get(EXPORT_URL))
    assert row["note"] == cell
    assert row["observation"] == cell


def test_formula_escaping_reaches_names_too(api_for, admin, member):
    member.user.name = "=cmd|' /C calc'!A0"
    member.user.save()
    ActivityFactory.create(membership=member)
    [row] = export_rows(api_for(admin).get(EXPORT_URL))
    assert row["user_name"] == "'=cmd|' /C calc'!A0"


def test_neutralise_leaves_ordinary_values_alone():
    assert neutralise(None) == ""
    assert neutralise(3) == "3"
    assert neutralise("2026-03-01") == "2026-03-01"
    assert neutralise("-") == "'-"


def test_an_export_over_the_limit_is_refused_and_a_narrower_one_streams(
    api_for, member, types, settings
):
    settings.EXPORT_MAX_ROWS = 2
    ActivityFactory.create(membership=member, type=types["call"])
    ActivityFactory.create(membership=member, type=types["call"])
    ActivityFactory.create(membership=member, type=types["new_visit"])
    refused = api_for(member).get(EXPORT_URL)
    assert refused.status_code == 400
    assert "narrow the filters" in refused.json()["detail"]
    assert len(export_rows(api_for(member).get(EXPORT_URL, {"type": "call"}))) == 2


def test_outsider_gets_404_on_export(api_for, outsider, member):
    ActivityFactory.create(membership=member)
    assert api_for(outsider).get(EXPORT_URL).status_code == 404
