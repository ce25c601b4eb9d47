"""The activity pages as people use them: my day, the log, import/export, funnel,
accompanied visits and activity types."""

from __future__ import annotations

import contextlib
import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.models import Activity, ActivityType
from activities.rollup import Bucket, mark_dirty
from salesmgmt import periods
from tests.activities.factories import ActivityFactory
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

SCRIPT_NOTE = "<script>alert(1)</script>"
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def eager_rollups(settings):
    """Rollups recompute in-process right after each commit, also when CI sets REDIS_URL."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with celery_eager(True):
        yield


@contextlib.contextmanager
def celery_eager(eager: bool):
    # Celery's settings object cannot be monkeypatched (its undo deletes the attribute).
    from salesmgmt.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    try:
        yield
    finally:
        app.conf.task_always_eager = saved


@pytest.fixture
def types(activity_types) -> dict[str, ActivityType]:
    return activity_types


def url(name: str, org, **kwargs) -> str:
    return reverse(f"activities:{name}", kwargs={"org_slug": org.slug, **kwargs})


def text(response) -> str:
    return response.content.decode()


def streamed(response) -> str:
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def members_visit(member, types) -> Activity:
    """A visit `member` logged (in `team`, which `manager` leads)."""
    return ActivityFactory(
        membership=member,
        type=types["new_visit"],
        occurred_at=timezone.now() - timedelta(hours=2),
        note="Met the buyer",
    )


# --- who gets which page --------------------------------------------------------------------


PAGES = ["my_day", "activity_list", "activity_import", "funnel", "accompaniments", "type_list"]
MANAGER_PAGES = {"funnel", "accompaniments", "type_list"}


@pytest.mark.parametrize("page_name", PAGES)
@pytest.mark.parametrize("role", ["member", "manager", "admin"])
def test_each_page_renders_for_the_roles_it_serves_and_refuses_members_on_manager_pages(
    request, page_name, role, org, types, client_for
):
    me = request.getfixturevalue(role)

    response = client_for(me).get(url(page_name, org))

    expected = 403 if role == "member" and page_name in MANAGER_PAGES else 200
    assert response.status_code == expected


@pytest.mark.parametrize("page_name", [*PAGES, "activity_export"])
def test_an_outsider_gets_404_on_every_page_of_another_organisation(
    page_name, org, outsider, client_for
):
    assert client_for(outsider).get(url(page_name, org)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(org, client_for):
    response = client_for(None).get(url("my_day", org))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_nav_shows_funnel_to_managers_only(org, member, manager, types, client_for):
    funnel_link = url("funnel", org)

    assert funnel_link not in text(client_for(member).get(url("my_day", org)))
    assert funnel_link in text(client_for(manager).get(url("my_day", org)))


# --- my day ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_one_tap_from_my_day_logs_the_activity_and_the_partial_shows_the_new_count(
    org, member, types, client_for, django_capture_on_commit_callbacks
):
    # A real commit (transaction=True): the eager rollup runs before the view renders.
    client = client_for(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("my_day", org), {"type": "new_visit"}, **HTMX)

    assert response.status_code == 200
    activity = Activity.objects.get(user=member.user)
    assert (activity.type.key, activity.quantity, activity.note) == ("new_visit", 1, "")
    html = text(response)
    assert 'data-testid="count-new_visit">1<' in html
    assert "Logged 1 new visit" in html
    assert url("activity_delete", org, activity_id=activity.pk) in html
    assert 'hx-swap-oob="true"' in html


def test_my_day_shows_todays_counts_from_the_rollup(
    org, member, types, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.log_activity(actor=member, type="call", quantity=3)
        services.log_activity(actor=member, type="call", quantity=2)

    response = client_for(member).get(url("my_day", org))

    assert response.status_code == 200
    assert 'data-testid="count-call">5<' in text(response)
    assert 'data-testid="count-new_visit">0<' in text(response)


def test_my_day_logs_with_details_quantity_note_companion_and_location(
    org, member, manager, types, client_for, django_capture_on_commit_callbacks
):
    data = {
        "type": "new_visit",
        "quantity": "2",
        "note": "Demo went well",
        "accompanied_by": manager.user_id,
        "latitude": "35.681236",
        "longitude": "139.767125",
        "occurred_at": (periods.now(org) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(member).post(url("my_day", org), data, **HTMX)

    assert response.status_code == 200
    activity = Activity.objects.get(user=member.user)
    assert activity.quantity == 2
    assert activity.note == "Demo went well"
    assert activity.accompanied_by_id == manager.user_id
    assert activity.location == {"lat": 35.681236, "lon": 139.767125}
    assert "Logged 2 new visits" in text(response)


def test_my_day_typed_time_is_read_in_the_organisations_time_zone(
    org, member, types, client_for, django_capture_on_commit_callbacks
):
    local = periods.now(org).replace(second=0, microsecond=0) - timedelta(hours=3)
    data = {"type": "call", "occurred_at": local.strftime("%Y-%m-%dT%H:%M")}
    with django_capture_on_commit_callbacks(execute=True):
        client_for(member).post(url("my_day", org), data, **HTMX)

    assert Activity.objects.get(user=member.user).occurred_at == local


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"type": "new_visit", "quantity": "0"}, "quantity"),
        ({"type": "no_such_type"}, "type"),
        ({}, "type"),
        ({"type": "new_visit", "latitude": "35.6"}, "location"),
    ],
)
def test_an_invalid_log_answers_422_with_the_form_and_creates_nothing(
    org, member, types, client_for, data, field
):
    response = client_for(member).post(url("my_day", org), data, **HTMX)

    assert response.status_code == 422
    assert response["HX-Retarget"] == "#log-form"
    assert 'id="log-form"' in text(response)
    assert not Activity.objects.exists()


def test_logging_a_future_activity_is_refused_with_a_form_error(org, member, types, client_for):
    future = (periods.now(org) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")

    response = client_for(member).post(
        url("my_day", org), {"type": "call", "occurred_at": future}, **HTMX
    )

    assert response.status_code == 422
    assert "cannot be logged in the future" in text(response)
    assert not Activity.objects.exists()


def test_without_htmx_a_log_redirects_back_to_my_day_with_a_message(org, member, types, client_for):
    response = client_for(member).post(url("my_day", org), {"type": "call"}, follow=True)

    assert response.redirect_chain[-1][0] == url("my_day", org)
    assert "Logged 1 call" in text(response)
    assert Activity.objects.filter(user=member.user).count() == 1


def test_an_inactive_type_gets_no_button(org, member, types, client_for):
    ActivityType.objects.filter(pk=types["email"].pk).update(active=False)

    html = text(client_for(member).get(url("my_day", org)))

    assert 'data-testid="log-call"' in html
    assert 'data-testid="log-email"' not in html


@pytest.mark.django_db(transaction=True)
def test_undo_from_my_day_deletes_the_activity_and_refreshes_the_counts(
    org, member, types, client_for, django_capture_on_commit_callbacks
):
    client = client_for(member)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("my_day", org), {"type": "proposal"}, **HTMX)
    activity = Activity.objects.get(user=member.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("activity_delete", org, activity_id=activity.pk), **HTMX)

    assert response.status_code == 200
    assert not Activity.objects.filter(pk=activity.pk).exists()
    assert 'data-testid="count-proposal">0<' in text(response)
    assert 'data-testid="undone-toast"' in text(response)


def test_my_day_lists_only_my_latest_ten_activities(org, member, teammate, types, client_for):
    for minutes in range(12):
        ActivityFactory(
            membership=member,
            type=types["call"],
            occurred_at=timezone.now() - timedelta(minutes=minutes + 1),
        )
    ActivityFactory(membership=teammate, type=types["call"], note="teammate's call")

    response = client_for(member).get(url("my_day", org))

    assert len(response.context["latest"]) == 10
    assert "teammate&#x27;s call" not in text(response)


def test_in_eager_mode_my_day_does_not_poll(org, member, types, client_for):
    html = text(client_for(member).get(url("my_day", org)))

    assert 'hx-trigger="every 10s"' not in html
    assert 'data-testid="freshness"' not in html


def test_with_a_broker_my_day_polls_every_10_seconds_and_shows_what_is_pending(
    org, member, types, client_for
):
    mark_dirty(org_id=org.pk, buckets=[Bucket(member.user_id, periods.today(org))])

    with celery_eager(False):
        full = client_for(member).get(url("my_day", org))
        part = client_for(member).get(url("my_day", org), {"part": "counts"}, **HTMX)

    assert 'hx-trigger="every 10s"' in text(full)
    assert "1 change pending" in text(full)
    assert part.status_code == 200
    assert next(t.name for t in part.templates) == "activities/_my_day_counts.html"
    assert 'hx-trigger="every 10s"' in text(part)


# --- the activity list ---------------------------------------------------------------------


def test_a_member_lists_only_their_own_activities_without_a_person_filter(
    org, member, teammate, types, client_for
):
    mine = ActivityFactory(membership=member, type=types["call"])
    ActivityFactory(membership=teammate, type=types["call"])

    response = client_for(member).get(url("activity_list", org))

    assert [a.pk for a in response.context["page"].object_list] == [mine.pk]
    assert 'name="user"' not in text(response)


def test_a_manager_filters_the_people_they_lead(
    org, manager, member, teammate, other_team_member, types, client_for
):
    ActivityFactory(membership=member, type=types["call"])
    theirs = ActivityFactory(membership=teammate, type=types["new_visit"])
    ActivityFactory(membership=other_team_member, type=types["call"])
    client = client_for(manager)

    everyone = client.get(url("activity_list", org))
    filtered = client.get(url("activity_list", org), {"user": teammate.user_id})
    by_type = client.get(url("activity_list", org), {"type": "new_visit"})

    assert everyone.context["page"].paginator.count == 2  # not the other team's
    assert [a.pk for a in filtered.context["page"].object_list] == [theirs.pk]
    assert [a.pk for a in by_type.context["page"].object_list] == [theirs.pk]
    person_choices = {u.pk for u in everyone.context["filters"].fields["user"].queryset}
    assert other_team_member.user_id not in person_choices


def test_the_list_filters_by_dates_and_by_team_including_sub_teams(
    org, admin, member, sub_team, types, client_for
):
    sub_member = MembershipFactory(organization=org, team=sub_team)
    old = ActivityFactory(membership=member, type=types["call"])  # 2026-03-02 local
    recent = ActivityFactory(
        membership=sub_member, type=types["call"], occurred_at=timezone.now() - timedelta(days=1)
    )
    client = client_for(admin)

    march = client.get(url("activity_list", org), {"from": "2026-03-01", "to": "2026-03-31"})
    team = client.get(url("activity_list", org), {"team": member.team_id})

    assert [a.pk for a in march.context["page"].object_list] == [old.pk]
    assert {a.pk for a in team.context["page"].object_list} == {old.pk, recent.pk}


def test_the_list_has_an_empty_state_and_htmx_gets_only_the_table(org, member, types, client_for):
    full = client_for(member).get(url("activity_list", org))
    part = client_for(member).get(url("activity_list", org), {"type": "call"}, **HTMX)

    assert 'data-testid="empty-state"' in text(full)
    assert next(t.name for t in part.templates) == "activities/_activity_table.html"


def test_the_list_paginates_by_50_and_links_the_export_with_the_same_filters(
    org, member, types, client_for
):
    ActivityFactory.create_batch(51, membership=member, type=types["call"])

    response = client_for(member).get(url("activity_list", org), {"type": "call"})

    assert len(response.context["page"].object_list) == 50
    assert response.context["page"].paginator.num_pages == 2
    assert url("activity_export", org) + "?type=call" in text(response)


@pytest.mark.parametrize("n", [5, 50])
def test_the_list_page_query_count_does_not_grow_with_the_activities(
    org, manager, member, teammate, types, client_for, django_assert_max_num_queries, n
):
    client = client_for(manager)
    client.get(url("activity_list", org))  # warm the session
    ActivityFactory.create_batch(
        n, membership=member, type=types["call"], accompanied_by=manager.user
    )
    ActivityFactory.create_batch(n, membership=teammate, type=types["new_visit"])

    # 13: the manager's "Your teams" menu reads their teams once (constant, whatever n).
    with django_assert_max_num_queries(13):
        response = client.get(url("activity_list", org))

    assert response.status_code == 200
    assert response.context["page"].paginator.count == 2 * n


def test_the_list_page_runs_the_same_queries_for_5_and_50_activities(
    org, manager, member, types, client_for
):
    client = client_for(manager)
    client.get(url("activity_list", org))
    counts = []
    for n in (5, 45):
        ActivityFactory.create_batch(n, membership=member, type=types["call"])
        with CaptureQueriesContext(connection) as queries:
            client.get(url("activity_list", org))
        counts.append(len(queries))

    assert counts[0] == counts[1]


# --- export and import -----------------------------------------------------------------------


def test_the_export_has_the_filtered_rows_with_formula_cells_escaped(
    org, member, types, client_for
):
    ActivityFactory(membership=member, type=types["call"], note='=HYPERLINK("http://x","y")')
    ActivityFactory(membership=member, type=types["call"], note="+1 follow up")
    ActivityFactory(membership=member, type=types["new_visit"], note="@visit")

    response = client_for(member).get(url("activity_export", org), {"type": "call"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(streamed(response))))
    assert {row["type"] for row in rows} == {"call"}
    assert sorted(row["note"] for row in rows) == ["'+1 follow up", '\'=HYPERLINK("http://x","y")']


def test_a_member_exports_only_what_they_may_see(org, member, teammate, types, client_for):
    ActivityFactory(membership=member, type=types["call"])
    ActivityFactory(membership=teammate, type=types["call"])

    rows = list(
        csv.DictReader(io.StringIO(streamed(client_for(member).get(url("activity_export", org)))))
    )

    assert [row["user_email"] for row in rows] == [member.user.email]


def _csv_upload(lines: list[str]) -> SimpleUploadedFile:
    content = "\n".join(["user_email,type,occurred_at,quantity,note", *lines]) + "\n"
    return SimpleUploadedFile("activities.csv", content.encode(), content_type="text/csv")


def test_an_import_with_a_bad_line_lists_errors_by_line_and_creates_nothing(
    org, member, types, client_for
):
    email = member.user.email
    upload = _csv_upload(
        [
            f"{email},call,2026-03-02,2,ok",
            f"{email},no_such_type,2026-03-02,1,bad type",
            f"{email},call,2026-03-03,0,bad quantity",
        ]
    )

    response = client_for(member).post(url("activity_import", org), {"file": upload})

    assert response.status_code == 422
    errors = response.context["errors"]
    assert [e.line for e in errors] == [3, 4]
    assert "no_such_type" in errors[0].message
    assert "<td>3</td>" in text(response)
    assert not Activity.objects.exists()


def test_a_good_import_creates_every_row_and_says_how_many(
    org, member, types, client_for, django_capture_on_commit_callbacks
):
    email = member.user.email
    upload = _csv_upload([f"{email},call,2026-03-02,2,ok", f"{email},new_visit,2026-03-03,,"])

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(member).post(
            url("activity_import", org), {"file": upload}, follow=True
        )

    assert response.redirect_chain[-1][0] == url("activity_list", org)
    assert "Imported 2 activities." in text(response)
    assert Activity.objects.filter(user=member.user).count() == 2


def test_a_member_cannot_import_a_teammates_rows(org, member, teammate, types, client_for):
    upload = _csv_upload([f"{teammate.user.email},call,2026-03-02,1,"])

    response = client_for(member).post(url("activity_import", org), {"file": upload})

    assert response.status_code == 422
    assert "only import your own" in text(response)
    assert not Activity.objects.exists()


# --- edit and delete ---------------------------------------------------------------------------


def test_the_owner_edits_their_activity(org, member, members_visit, client_for):
    response = client_for(member).post(
        url("activity_edit", org, activity_id=members_visit.pk),
        {
            "type": "call",
            "quantity": "4",
            "occurred_at": (periods.now(org) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "note": "Changed",
        },
    )

    assert response.status_code == 302
    members_visit.refresh_from_db()
    assert (members_visit.type.key, members_visit.quantity, members_visit.note) == (
        "call",
        4,
        "Changed",
    )


def _edit_data(activity: Activity, org, **overrides) -> dict[str, str]:
    local = timezone.localtime(activity.occurred_at, org.tzinfo)
    data = {
        "type": activity.type.key,
        "quantity": str(activity.quantity),
        "occurred_at": local.strftime("%Y-%m-%dT%H:%M"),
        "note": activity.note,
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"quantity": "0"}, "greater than or equal to 1"),
        ({"occurred_at": "2099-01-01T10:00"}, "cannot be logged in the future"),
        ({"type": "no_such_type"}, "Select a valid choice"),
    ],
    ids=["quantity 0", "future date", "unknown type"],
)
def test_an_invalid_edit_answers_422_and_changes_nothing(
    org, member, members_visit, client_for, overrides, message
):
    before = Activity.objects.filter(pk=members_visit.pk).values().get()

    response = client_for(member).post(
        url("activity_edit", org, activity_id=members_visit.pk),
        _edit_data(members_visit, org, note="should not be saved", **overrides),
    )

    assert response.status_code == 422
    assert message in text(response)
    assert Activity.objects.filter(pk=members_visit.pk).values().get() == before


def test_an_unchanged_form_keeps_the_exact_time(org, member, members_visit, client_for):
    before = members_visit.occurred_at

    response = client_for(member).post(
        url("activity_edit", org, activity_id=members_visit.pk), _edit_data(members_visit, org)
    )

    assert response.status_code == 302
    members_visit.refresh_from_db()
    assert members_visit.occurred_at == before


def test_an_admin_corrects_anyones_activity_and_may_reassign_it(
    org, admin, member, teammate, members_visit, client_for
):
    response = client_for(admin).post(
        url("activity_edit", org, activity_id=members_visit.pk),
        _edit_data(members_visit, org, quantity="3", user=str(teammate.user_id)),
    )

    assert response.status_code == 302
    members_visit.refresh_from_db()
    assert (members_visit.quantity, members_visit.user_id) == (3, teammate.user_id)


def test_the_accompanying_manager_adds_an_observation_but_cannot_change_the_quantity(
    org, member, other_manager, types, client_for
):
    visit = ActivityFactory(
        membership=member, type=types["new_visit"], accompanied_by=other_manager.user
    )
    client = client_for(other_manager)
    form_page = client.get(url("activity_edit", org, activity_id=visit.pk))

    response = client.post(
        url("activity_edit", org, activity_id=visit.pk),
        {"observation": "Strong opening", "follow_up": "Role-play pricing", "quantity": "9"},
    )

    assert form_page.status_code == 200
    assert 'name="observation"' in text(form_page)
    assert 'name="quantity"' not in text(form_page)
    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.observation, visit.follow_up, visit.quantity) == (
        "Strong opening",
        "Role-play pricing",
        1,
    )


def test_the_team_manager_reads_an_activity_but_cannot_change_or_delete_it(
    org, manager, members_visit, client_for
):
    client = client_for(manager)

    read = client.get(url("activity_edit", org, activity_id=members_visit.pk))
    edit = client.post(
        url("activity_edit", org, activity_id=members_visit.pk), {"note": "manager was here"}
    )
    delete = client.post(url("activity_delete", org, activity_id=members_visit.pk))

    assert read.status_code == 200
    assert 'data-testid="activity-form"' not in text(read)
    assert edit.status_code == 403
    assert delete.status_code == 403
    members_visit.refresh_from_db()
    assert members_visit.note == "Met the buyer"


@pytest.mark.parametrize("who", ["teammate", "other_manager", "outsider"])
def test_people_who_may_not_see_an_activity_get_the_404_of_a_missing_one(
    request, org, members_visit, client_for, who
):
    client = client_for(request.getfixturevalue(who))

    for name, method in [("activity_edit", "get"), ("activity_delete", "post")]:
        hidden = getattr(client, method)(url(name, org, activity_id=members_visit.pk))
        missing = getattr(client, method)(url(name, org, activity_id=999999))
        assert hidden.status_code == missing.status_code == 404
    assert Activity.objects.filter(pk=members_visit.pk).exists()


def test_the_owner_deletes_from_the_edit_page_and_returns_to_the_list(
    org, member, members_visit, client_for
):
    response = client_for(member).post(url("activity_delete", org, activity_id=members_visit.pk))

    assert response.status_code == 302
    assert response["Location"] == url("activity_list", org)
    assert not Activity.objects.filter(pk=members_visit.pk).exists()


# --- XSS ---------------------------------------------------------------------------------------


def test_a_scripted_note_renders_escaped_on_list_my_day_and_edit(org, member, types, client_for):
    activity = ActivityFactory(
        membership=member,
        type=types["call"],
        note=SCRIPT_NOTE,
        occurred_at=timezone.now() - timedelta(minutes=5),
    )
    client = client_for(member)

    for response in (
        client.get(url("activity_list", org)),
        client.get(url("my_day", org)),
        client.get(url("activity_edit", org, activity_id=activity.pk)),
    ):
        assert response.status_code == 200
        assert SCRIPT_ESCAPED in text(response)
        assert SCRIPT_NOTE not in text(response)


# --- funnel -------------------------------------------------------------------------------------


@pytest.fixture
def funnel_team(org, member, teammate, team, types, django_capture_on_commit_callbacks):
    """Three reps in `team` this month: `teammate` rarely turns visits into negotiations."""
    third = MembershipFactory(organization=org, team=team, user__name="Third Rep")
    plan = {member: (10, 5, 2), teammate: (10, 1, 1), third: (10, 5, 2)}
    with django_capture_on_commit_callbacks(execute=True):
        for rep, (visits, negotiations, proposals) in plan.items():
            services.log_activity(actor=rep, type="new_visit", quantity=visits)
            services.log_activity(actor=rep, type="effective_negotiation", quantity=negotiations)
            services.log_activity(actor=rep, type="proposal", quantity=proposals)
    return team


def test_the_funnel_shows_stages_conversions_and_each_members_bottleneck_in_words(
    org, manager, teammate, funnel_team, client_for
):
    response = client_for(manager).get(url("funnel", org), {"team": funnel_team.pk})

    assert response.status_code == 200
    html = text(response)
    report = response.context["report"]
    assert [(s.type, s.count) for s in report.stages] == [
        ("new_visit", 30),
        ("effective_negotiation", 11),
        ("proposal", 5),
    ]
    assert "few effective negotiations per new visit" in html
    words = {m.user.pk: m.bottleneck_text for m in report.members}
    assert words[teammate.user_id] == "few effective negotiations per new visit"
    assert html.count('data-testid="bottleneck-cell"') == 1
    assert 'id="funnel-data" type="application/json"' in html
    assert "<script>" not in html.replace('<script id="funnel-data" type="application/json">', "")


def test_the_funnel_defaults_to_the_managers_team_and_this_month(
    org, manager, funnel_team, client_for
):
    response = client_for(manager).get(url("funnel", org))

    form = response.context["form"]
    today = periods.today(org)
    assert form.cleaned_data["team"] == funnel_team
    assert form.cleaned_data["from"] == periods.month_of(today).start
    assert form.cleaned_data["to"] == today


def test_the_funnel_has_an_empty_state_for_a_team_without_activity(
    org, admin, other_team, types, client_for
):
    response = client_for(admin).get(url("funnel", org), {"team": other_team.pk})

    assert response.status_code == 200
    assert 'data-testid="empty-state"' in text(response)
    assert "funnel-chart" not in text(response)


def test_a_manager_cannot_open_the_funnel_of_a_team_they_do_not_lead(
    org, other_manager, funnel_team, client_for
):
    response = client_for(other_manager).get(url("funnel", org), {"team": funnel_team.pk})

    assert response.context["report"] is None
    assert "Select a valid choice" in text(response)
    team_choices = set(response.context["form"].fields["team"].queryset)
    assert funnel_team not in team_choices


def test_a_manager_may_pick_their_sub_teams_in_the_funnel(org, manager, sub_team, client_for):
    response = client_for(manager).get(url("funnel", org))

    assert sub_team in set(response.context["form"].fields["team"].queryset)


# --- accompanied visits -----------------------------------------------------------------------


def test_a_manager_sees_how_often_they_accompanied_each_member_with_the_latest_observation(
    org, member, teammate, other_manager, types, client_for
):
    now = timezone.now()
    for hours, note in [(3, "Earlier note"), (1, "Latest note")]:
        ActivityFactory(
            membership=member,
            type=types["new_visit"],
            occurred_at=now - timedelta(hours=hours),
            accompanied_by=other_manager.user,
            observation=note,
        )
    ActivityFactory(
        membership=teammate,
        type=types["new_visit"],
        occurred_at=now - timedelta(hours=2),
        accompanied_by=other_manager.user,
    )
    start = (periods.today(org) - timedelta(days=2)).isoformat()

    response = client_for(other_manager).get(url("accompaniments", org), {"from": start})

    lines = {line.row.member.pk: line for line in response.context["lines"]}
    assert lines[member.user_id].row.visits == 2
    assert lines[member.user_id].latest_observation.observation == "Latest note"
    assert lines[teammate.user_id].row.visits == 1
    assert lines[teammate.user_id].latest_observation is None
    assert "Latest note" in text(response)


def test_accompaniments_have_an_empty_state(org, manager, client_for):
    response = client_for(manager).get(url("accompaniments", org))

    assert 'data-testid="empty-state"' in text(response)


# --- activity types --------------------------------------------------------------------------


def test_managers_read_the_types_without_forms(org, manager, types, client_for):
    html = text(client_for(manager).get(url("type_list", org)))

    assert "Effective negotiation" in html
    assert 'data-testid="type-create-form"' not in html
    assert url("type_edit", org, type_id=types["call"].pk) not in html


def test_an_admin_adds_a_type(org, admin, types, client_for):
    response = client_for(admin).post(
        url("type_list", org), {"key": "demo", "name": "Demo", "funnel_order": "4", "active": "on"}
    )

    assert response.status_code == 302
    created = ActivityType.objects.for_org(org).get(key="demo")
    assert (created.name, created.funnel_order, created.active) == ("Demo", 4, True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"key": "call", "name": "Another call"}, "activity type with this key exists"),
        ({"key": "demo", "name": "Demo", "funnel_order": "1"}, "funnel position"),
        ({"key": "Bad Key", "name": "Demo"}, "Lower-case letters"),
    ],
    ids=["duplicate key", "funnel position taken", "bad key"],
)
def test_a_bad_new_type_answers_422_with_the_error_on_the_form(
    org, admin, types, client_for, data, message
):
    count = ActivityType.objects.for_org(org).count()

    response = client_for(admin).post(url("type_list", org), data)

    assert response.status_code == 422
    assert message in text(response)
    assert ActivityType.objects.for_org(org).count() == count


def test_an_admin_edits_a_type_inline_with_htmx(org, admin, types, client_for):
    call = types["call"]

    response = client_for(admin).post(
        url("type_edit", org, type_id=call.pk),
        {"name": "Phone call", "funnel_order": "", "active": ""},
        **HTMX,
    )

    assert response.status_code == 200
    assert next(t.name for t in response.templates) == "activities/_type_row.html"
    call.refresh_from_db()
    assert (call.name, call.active) == ("Phone call", False)


def test_a_taken_funnel_position_in_an_inline_edit_answers_422(org, admin, types, client_for):
    call = types["call"]

    response = client_for(admin).post(
        url("type_edit", org, type_id=call.pk),
        {"name": "Call", "funnel_order": "1", "active": "on"},
        **HTMX,
    )

    assert response.status_code == 422
    assert "funnel position" in text(response)
    call.refresh_from_db()
    assert call.funnel_order is None


@pytest.mark.parametrize("who", ["member", "manager"])
def test_only_admins_write_types(request, org, types, client_for, who):
    client = client_for(request.getfixturevalue(who))

    create = client.post(url("type_list", org), {"key": "demo", "name": "Demo"})
    edit = client.post(url("type_edit", org, type_id=types["call"].pk), {"name": "X"})

    assert create.status_code == edit.status_code == 403
    assert not ActivityType.objects.filter(key="demo").exists()
    types["call"].refresh_from_db()
    assert types["call"].name == "Call"


def test_an_outsider_cannot_edit_another_orgs_type(org, outsider, types, client_for):
    response = client_for(outsider).post(
        url("type_edit", org, type_id=types["call"].pk), {"name": "X"}
    )

    assert response.status_code == 404
