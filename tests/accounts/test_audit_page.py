"""The audit trail page: admins read and export their organisation's trail, nobody edits it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from accounts.audit import record_event
from accounts.models import AuditEvent
from tests.routes import text

pytestmark = pytest.mark.django_db

PAGE = "/o/acme/audit/"
EXPORT = "/o/acme/audit/export/"


def event_at(when: str, **fields) -> AuditEvent:
    event = record_event(**fields)
    AuditEvent.objects.filter(pk=event.pk).update(at=datetime.fromisoformat(when))
    return AuditEvent.objects.get(pk=event.pk)


@pytest.fixture
def trail(org, other_org, admin, manager, member):
    """Four acme events over three days, and one of another organisation."""
    return {
        "role": event_at(
            "2030-03-01T09:00:00+00:00",
            action="role_changed",
            actor=admin.user,
            organization=org,
            target=member.user.email,
            **{"from": "member", "to": "manager"},
        ),
        "goal": event_at(
            "2030-03-02T23:30:00+00:00",
            action="goal_changed",
            actor=manager.user,
            organization=org,
            target="goal 7: Calls (Tokyo)",
        ),
        "login": event_at(
            "2030-03-03T01:00:00+00:00",
            action="login_failed",
            organization=org,
            target=member.user.email,
        ),
        "formula": event_at(
            "2030-03-03T02:00:00+00:00",
            action="member_invited",
            actor=admin.user,
            organization=org,
            target='=HYPERLINK("http://evil.example","x")',
        ),
        "elsewhere": event_at(
            "2030-03-02T12:00:00+00:00",
            action="role_changed",
            organization=other_org,
            target="someone@globex.example",
        ),
    }


def shown(response) -> list[int]:
    return [event.pk for event in response.context["page"].object_list]


def test_an_admin_sees_the_organisations_trail_newest_first_and_only_it(admin, trail, client_for):
    response = client_for(admin).get(PAGE)

    assert response.status_code == 200
    assert shown(response) == [
        trail["formula"].pk,
        trail["login"].pk,
        trail["goal"].pk,
        trail["role"].pk,
    ]
    page = text(response)
    assert "someone@globex.example" not in page
    assert "2030-03-02 23:30:00" in page  # UTC, whatever the organisation's time zone
    assert "Role changed" in page


def test_targets_and_details_are_shown_as_text(admin, org, client_for):
    record_event(action="login_failed", organization=org, target="<script>alert(1)</script>")

    page = text(client_for(admin).get(PAGE))

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"action": "role_changed"}, ["role"]),
        ({"target": "calls (tokyo)"}, ["goal"]),
        ({"start": "2030-03-02", "end": "2030-03-02"}, ["goal"]),
        ({"start": "2030-03-03"}, ["formula", "login"]),
        ({"end": "2030-03-01"}, ["role"]),
        ({"action": "role_changed", "start": "2030-03-02"}, []),
    ],
)
def test_the_filters_narrow_the_trail(admin, trail, client_for, query, expected):
    response = client_for(admin).get(PAGE, query)

    assert response.status_code == 200
    assert shown(response) == [trail[name].pk for name in expected]


def test_the_actor_filter_lists_the_organisations_people(admin, manager, trail, client_for):
    response = client_for(admin).get(PAGE, {"actor": manager.user_id})

    assert shown(response) == [trail["goal"].pk]


def test_someone_from_another_organisation_is_not_a_valid_actor(admin, outsider, trail, client_for):
    response = client_for(admin).get(PAGE, {"actor": outsider.user_id})

    assert response.status_code == 400
    assert shown(response) == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2030-02-30"}, "Enter a valid date."),
        ({"start": "yesterday"}, "Enter a valid date."),
        ({"start": "2030-03-03", "end": "2030-03-01"}, "must not be before the start"),
        ({"action": "delete_everything"}, "Select a valid choice."),
    ],
)
def test_invalid_filters_are_explained_not_guessed(admin, trail, client_for, query, message):
    response = client_for(admin).get(PAGE, query)

    assert response.status_code == 400
    assert message in text(response)
    assert shown(response) == []


def test_the_last_day_of_the_calendar_is_a_valid_end(admin, trail, client_for):
    response = client_for(admin).get(PAGE, {"end": "9999-12-31"})

    assert response.status_code == 200
    assert len(shown(response)) == 4


def test_the_trail_is_paginated_fifty_a_page(admin, org, client_for):
    AuditEvent.objects.bulk_create(
        AuditEvent(organization=org, action="export", target=f"export {n}") for n in range(60)
    )
    client = client_for(admin)

    first = client.get(PAGE, {"action": "export"})
    second = client.get(PAGE, {"action": "export", "page": 2})

    assert len(shown(first)) == 50
    assert len(shown(second)) == 10
    assert "action=export&amp;page=2" in text(first)


def test_the_csv_has_the_filtered_rows_with_formulas_neutralised(admin, trail, client_for):
    response = client_for(admin).get(EXPORT, {"start": "2030-03-03"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-acme-')
    table = list(csv.reader(io.StringIO(text(response))))
    assert table[0] == [
        "at_utc",
        "action",
        "actor_email",
        "actor_name",
        "target",
        "ip_address",
        "detail",
    ]
    actions = [row[1] for row in table[1:]]
    assert actions[:2] == ["member_invited", "login_failed"]
    assert table[1][4] == '\'=HYPERLINK("http://evil.example","x")'
    assert table[1][0] == "2030-03-03T02:00:00+00:00"
    assert "someone@globex.example" not in text(response)


def test_a_cell_is_neutralised_whatever_formula_character_starts_it(admin, org, client_for):
    for start in ("=", "+", "-", "@", "\t", "\r"):
        record_event(action="member_invited", organization=org, target=f"{start}SUM(A1)")

    response = client_for(admin).get(EXPORT, {"action": "member_invited"})

    targets = [row[4] for row in csv.reader(io.StringIO(text(response)))][1:]
    assert sorted(targets) == sorted(f"'{s}SUM(A1)" for s in ("=", "+", "-", "@", "\t", "\r"))


def test_exporting_the_trail_is_itself_recorded(admin, trail, client_for):
    client_for(admin).get(EXPORT, {"action": "role_changed"})

    event = AuditEvent.objects.filter(action="export", target="audit log").get()
    assert event.actor_id == admin.user_id
    assert event.detail == {"query": "action=role_changed"}
    assert event.at.utcoffset() is not None
    assert event.at.astimezone(UTC) == event.at


def test_an_export_with_invalid_filters_is_a_400_not_a_file(admin, client_for):
    response = client_for(admin).get(EXPORT, {"end": "not-a-date"})

    assert response.status_code == 400
    assert "end" in text(response)
    assert not AuditEvent.objects.filter(action="export").exists()


@pytest.mark.parametrize("who", ["member", "manager"])
def test_managers_and_members_may_not_read_the_trail(request, who, client_for, trail):
    client = client_for(request.getfixturevalue(who))

    assert client.get(PAGE).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_an_outsider_gets_a_404(outsider, client_for, trail):
    assert client_for(outsider).get(PAGE).status_code == 404
    assert client_for(outsider).get(EXPORT).status_code == 404


def test_only_admins_see_the_audit_link(admin, member, client_for):
    assert 'href="/o/acme/audit/"' in text(client_for(admin).get("/o/acme/"))
    assert 'href="/o/acme/audit/"' not in text(client_for(member).get("/o/acme/"))


def test_the_page_offers_no_way_to_change_an_entry(admin, trail, client_for):
    client = client_for(admin)

    page = text(client.get(PAGE))
    post = client.post(PAGE, {"action": "role_changed"})

    assert 'data-testid="audit-filters"' in page
    assert 'method="post"' not in page.split('data-testid="audit-filters"')[1]
    assert post.status_code == 405
