"""The goal pages: my goals, team goals, detail, create, cascade editor, templates, days off,
manual check-ins -- who may see and do what, and what they show."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from accounts.models import DayOff, Membership
from goals import selectors, services
from goals.models import CascadeTemplate, Goal, ManualEntry, Metric
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

# Wednesday 10 June 2026, 10:00 in Tokyo: June has 22 working days and no public holiday.
NOW = datetime(2026, 6, 10, 1, 0, tzinfo=UTC)
TODAY = date(2026, 6, 10)
JUNE = (date(2026, 6, 1), date(2026, 6, 30))
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def calls(org) -> Metric:
    return Metric.objects.create(
        organization=org, key="calls", name="Calls", source=Metric.Source.MANUAL
    )


def url(name: str, org, *args) -> str:
    return reverse(f"goals:{name}", args=[org.slug, *args])


def make_goal(admin, metric, *, scope="user", target=220, title="", span=JUNE, **who) -> Goal:
    return services.create_goal(
        actor=admin,
        metric=metric,
        scope=scope,
        start=span[0],
        end=span[1],
        target=Decimal(target),
        title=title,
        **who,
    )


@pytest.fixture
def member_goal(admin, member, calls) -> Goal:
    return make_goal(admin, calls, user=member.user, title="Sam's calls")


@pytest.fixture
def team_goal(admin, team, calls) -> Goal:
    return make_goal(admin, calls, scope="team", team=team, target=100, title="Tokyo calls")


@pytest.fixture
def split_team_goal(admin, team_goal, member, teammate) -> Goal:
    services.cascade_goal(actor=admin, goal=team_goal, to="members", strategy="even")
    return team_goal


def child_of(goal: Goal, membership: Membership) -> Goal:
    return goal.children.get(user=membership.user)


# --- who sees which page --------------------------------------------------------------------

LIST_PAGES = ["my_goals", "team_goals", "goal_create", "cascade_templates", "days_off"]
EXPECTED = {
    # page:              member manager admin
    "my_goals": (200, 200, 200),
    "team_goals": (403, 200, 200),
    "goal_create": (403, 200, 200),
    "cascade_templates": (403, 403, 200),
    "days_off": (200, 200, 200),
    "manual_checkin": (200, 200, 200),
    "goal_detail": (200, 200, 200),
    "goal_cascade": (403, 200, 200),
}


@pytest.mark.parametrize("page", list(EXPECTED))
def test_each_page_answers_each_role_as_expected_and_outsiders_get_404(
    page, client_for, member, manager, admin, outsider, split_team_goal
):
    args = (child_of(split_team_goal, member).pk,) if page == "goal_detail" else ()
    if page == "goal_cascade":
        args = (split_team_goal.pk,)
    target = url(page, split_team_goal.organization, *args)
    for who, status in zip((member, manager, admin), EXPECTED[page], strict=True):
        assert client_for(who).get(target).status_code == status, (page, who.role)
    assert client_for(outsider).get(target).status_code == 404


def test_a_goal_the_member_may_not_see_is_a_404(client_for, member, teammate, split_team_goal):
    theirs = child_of(split_team_goal, teammate)
    response = client_for(member).get(url("goal_detail", member.organization, theirs.pk))
    assert response.status_code == 404


def test_a_manager_of_another_team_gets_404_for_the_cascade(
    client_for, other_manager, split_team_goal
):
    response = client_for(other_manager).get(
        url("goal_cascade", split_team_goal.organization, split_team_goal.pk)
    )
    assert response.status_code == 404


# --- my goals -------------------------------------------------------------------------------


def test_my_goals_shows_own_goals_with_todays_and_this_weeks_target(
    client_for, org, admin, member, member_goal, team_goal
):
    make_goal(admin, member_goal.metric, scope="org", title="Company calls")
    response = client_for(member).get(url("my_goals", org))
    assert response.status_code == 200
    html = response.content.decode()
    # 220 over June's 22 working days: 10 a day, 50 in the week of 8-12 June.
    assert 'data-testid="today-target">10<' in html
    assert 'data-testid="week-target">50<' in html
    assert "Sam&#x27;s calls" in html
    assert "Tokyo calls" in html
    assert "Your team" in html
    assert "Company calls" in html
    # 10 June to 30 June: 15 working days left this month.
    assert "15 working days left this month" in html


def test_my_goals_has_an_empty_state(client_for, org, member):
    response = client_for(member).get(url("my_goals", org))
    assert response.status_code == 200
    assert b'data-testid="empty"' in response.content


def test_my_goals_shows_attainment_and_status_after_progress_is_refreshed(
    client_for, org, member, member_goal, calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.log_manual_entry(actor=member, metric=calls, day=TODAY, value=110)
    html = client_for(member).get(url("my_goals", org)).content.decode()
    assert "<strong>110</strong> / 220" in html
    assert "50%" in html
    assert "Ahead" in html


def test_a_goal_title_is_escaped_everywhere(
    client_for, org, admin, member, calls, django_capture_on_commit_callbacks
):
    evil = "<script>alert(1)</script>"
    goal = make_goal(admin, calls, user=member.user, title=evil)
    pages = [
        client_for(member).get(url("my_goals", org)),
        client_for(member).get(url("goal_detail", org, goal.pk)),
        client_for(admin).get(url("goal_cascade", org, goal.pk)),
    ]
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert evil not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- query counts ---------------------------------------------------------------------------


def _many_goals(admin, member, team, metric, n: int) -> None:
    for i in range(n):
        who = [
            {"scope": "user", "user": member.user},
            {"scope": "team", "team": team},
            {"scope": "org"},
        ][i % 3]
        make_goal(admin, metric, title=f"Goal {i}", **who)


@pytest.mark.parametrize("page", ["my_goals", "team_goals"])
def test_list_pages_make_the_same_number_of_queries_for_3_and_30_goals(
    page, client_for, org, admin, manager, member, team, calls, django_assert_max_num_queries
):
    viewer = member if page == "my_goals" else manager
    client = client_for(viewer)
    _many_goals(admin, member, team, calls, 3)
    with django_assert_max_num_queries(100) as few:
        assert client.get(url(page, org)).status_code == 200
    _many_goals(admin, member, team, calls, 27)
    assert Goal.objects.count() == 30
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url(page, org))
    assert response.status_code == 200
    assert response.content.decode().count("Goal 2") >= 1


# --- goal detail ----------------------------------------------------------------------------


def test_goal_detail_shows_breakdown_chart_data_and_links(client_for, org, admin, split_team_goal):
    child = split_team_goal.children.first()
    html = client_for(admin).get(url("goal_detail", org, split_team_goal.pk)).content.decode()
    assert 'id="weekly-chart"' in html
    assert '<script id="weekly-series" type="application/json">' in html
    assert "js/goal_detail.js" in html
    assert url("goal_detail", org, child.pk) in html
    assert url("goal_cascade", org, split_team_goal.pk) in html
    child_html = client_for(admin).get(url("goal_detail", org, child.pk)).content.decode()
    assert 'data-testid="parent-link"' in child_html
    assert "<script>" not in html  # no inline script bodies under the CSP


def _edit(goal: Goal, **changes):
    data = {
        "title": goal.title,
        "target": str(goal.target),
        "start": goal.start.isoformat(),
        "end": goal.end.isoformat(),
        "version": goal.version,
    }
    return {**data, **changes}


def test_an_editor_changes_a_goal_on_its_detail_page(client_for, org, manager, member_goal):
    response = client_for(manager).post(
        url("goal_detail", org, member_goal.pk), _edit(member_goal, target="300", title="More")
    )
    assert response.status_code == 302
    member_goal.refresh_from_db()
    assert (member_goal.target, member_goal.title, member_goal.version) == (300, "More", 2)


def test_a_stale_edit_on_the_detail_page_answers_409_and_changes_nothing(
    client_for, org, admin, manager, member_goal
):
    stale = _edit(member_goal, target="300")
    services.update_goal(actor=admin, goal=member_goal, target=Decimal(250))
    response = client_for(manager).post(url("goal_detail", org, member_goal.pk), stale, **HTMX)
    assert response.status_code == 409
    assert b"changed this goal meanwhile" in response.content
    member_goal.refresh_from_db()
    assert member_goal.target == 250


def test_a_member_cannot_edit_or_delete_their_goal(client_for, org, member, member_goal):
    client = client_for(member)
    edit = client.post(url("goal_detail", org, member_goal.pk), _edit(member_goal, target="1"))
    delete = client.post(url("goal_delete", org, member_goal.pk))
    assert (edit.status_code, delete.status_code) == (403, 403)
    assert Goal.objects.get(pk=member_goal.pk).target == 220


def test_an_editor_deletes_a_goal_with_its_children(client_for, org, admin, split_team_goal):
    response = client_for(admin).post(url("goal_delete", org, split_team_goal.pk))
    assert response.status_code == 302
    assert not Goal.objects.filter(organization=org).exists()


# --- new goal -------------------------------------------------------------------------------


def _new_goal(metric, for_team, **changes):
    data = {
        "metric": metric.pk,
        "scope": "team",
        "team": for_team.pk,
        "user": "",
        "period": "",
        "start": "2026-07-01",
        "end": "2026-07-31",
        "target": "120",
        "title": "July calls",
    }
    return {**data, **changes}


def test_a_manager_sets_a_goal_for_their_team(client_for, org, manager, team, calls):
    response = client_for(manager).post(url("goal_create", org), _new_goal(calls, team))
    goal = Goal.objects.get(title="July calls")
    assert response.status_code == 302
    assert response["Location"] == url("goal_detail", org, goal.pk)
    assert (goal.team, goal.start, goal.end, goal.target) == (team, *JULY, 120)


JULY = (date(2026, 7, 1), date(2026, 7, 31))


def test_the_period_picker_fills_in_start_and_end(client_for, org, admin, team, calls):
    data = _new_goal(calls, team, period="this_quarter", start="", end="")
    response = client_for(admin).post(url("goal_create", org), data)
    assert response.status_code == 302
    goal = Goal.objects.get(title="July calls")
    # Fiscal years start in April: the quarter of 10 June is April to June.
    assert (goal.start, goal.end) == (date(2026, 4, 1), date(2026, 6, 30))


@pytest.mark.parametrize(
    ("changes", "field_error"),
    [
        ({"end": "2026-06-01"}, "The end is before the start."),
        ({"target": "-5"}, "A target must be positive."),
        ({"target": "0"}, "A target must be positive."),
        ({"team": ""}, "Choose the team."),
        ({"start": ""}, "Enter a date, or pick a period above."),
    ],
)
def test_bad_input_answers_422_and_creates_nothing(
    changes, field_error, client_for, org, admin, team, calls
):
    response = client_for(admin).post(url("goal_create", org), _new_goal(calls, team, **changes))
    assert response.status_code == 422
    assert field_error in response.content.decode()
    assert not Goal.objects.exists()


def test_a_manager_only_sees_and_may_pick_their_own_teams_and_people(
    client_for, org, manager, other_team, other_team_member, member, calls
):
    client = client_for(manager)
    html = client.get(url("goal_create", org)).content.decode()
    assert other_team.name not in html
    assert other_team_member.user.display_name not in html
    assert member.user.display_name in html
    response = client.post(url("goal_create", org), _new_goal(calls, other_team))
    assert response.status_code == 422
    assert not Goal.objects.exists()


# --- cascade editor -------------------------------------------------------------------------


def test_the_cascade_shows_targets_parts_and_progress(client_for, org, admin, split_team_goal):
    html = client_for(admin).get(url("goal_cascade", org, split_team_goal.pk)).content.decode()
    assert "Fully allocated" in html
    assert html.count('name="target"') == 2  # children are editable inline, the root is not
    assert "Save as template" in html


def test_an_inline_target_edit_updates_the_child_and_shows_the_new_gap(
    client_for, org, manager, member, split_team_goal
):
    child = child_of(split_team_goal, member)
    response = client_for(manager).post(
        url("goal_target_edit", org, child.pk),
        {"target": "40", "version": child.version, "root": split_team_goal.pk},
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="cascade-tree"')
    assert "Under-allocated: -10" in html
    assert 'data-testid="under-allocated"' in html
    child.refresh_from_db()
    assert (child.target, child.version) == (40, 2)


def test_over_allocation_is_flagged_too(client_for, org, admin, member, split_team_goal):
    child = child_of(split_team_goal, member)
    response = client_for(admin).post(
        url("goal_target_edit", org, child.pk),
        {"target": "65", "version": child.version, "root": split_team_goal.pk},
        **HTMX,
    )
    assert "Over-allocated: +15" in response.content.decode()


def test_a_stale_inline_edit_answers_409_and_leaves_the_target_unchanged(
    client_for, org, admin, manager, member, split_team_goal
):
    child = child_of(split_team_goal, member)
    read_version = child.version
    services.update_goal(actor=admin, goal=child, target=Decimal(45))
    response = client_for(manager).post(
        url("goal_target_edit", org, child.pk),
        {"target": "10", "version": read_version, "root": split_team_goal.pk},
        **HTMX,
    )
    assert response.status_code == 409
    assert b'data-testid="conflict"' in response.content
    child.refresh_from_db()
    assert child.target == 45


def test_an_invalid_inline_target_answers_422(client_for, org, admin, member, split_team_goal):
    child = child_of(split_team_goal, member)
    response = client_for(admin).post(
        url("goal_target_edit", org, child.pk),
        {"target": "-3", "version": child.version, "root": split_team_goal.pk},
        **HTMX,
    )
    assert response.status_code == 422
    assert b"A target must be positive." in response.content
    assert Goal.objects.get(pk=child.pk).target == 50


def test_a_member_cannot_edit_targets_inline(client_for, org, member, split_team_goal):
    child = child_of(split_team_goal, member)
    response = client_for(member).post(
        url("goal_target_edit", org, child.pk), {"target": "1", "version": child.version}
    )
    assert response.status_code == 403
    assert Goal.objects.get(pk=child.pk).target == 50


def test_the_split_form_creates_children_that_sum_exactly(
    client_for, org, admin, manager, team, member, teammate, calls
):
    MembershipFactory(organization=org, team=team, user__username="third")
    goal = make_goal(admin, calls, scope="team", team=team, target=100)
    response = client_for(manager).post(
        url("goal_cascade", org, goal.pk), {"to": "members", "strategy": "even"}
    )
    assert response.status_code == 302
    targets = sorted(goal.children.values_list("target", flat=True))
    assert targets == [33, 33, 34]
    assert sum(targets) == goal.target


def test_the_split_form_takes_weights_per_child(
    client_for, org, admin, team, member, teammate, calls
):
    goal = make_goal(admin, calls, scope="team", team=team, target=100)
    data = {
        "to": "members",
        "strategy": "weights",
        f"w_members_{member.user_id}": "3",
        f"w_members_{teammate.user_id}": "1",
    }
    response = client_for(admin).post(url("goal_cascade", org, goal.pk), data)
    assert response.status_code == 302
    assert child_of(goal, member).target == 75
    assert child_of(goal, teammate).target == 25


def test_splitting_with_all_zero_weights_is_a_form_error(
    client_for, org, admin, team, member, teammate, calls
):
    goal = make_goal(admin, calls, scope="team", team=team, target=100)
    data = {"to": "members", "strategy": "weights", f"w_members_{member.user_id}": "0"}
    response = client_for(admin).post(url("goal_cascade", org, goal.pk), data)
    assert response.status_code == 422
    assert not goal.children.exists()


# --- cascade templates ----------------------------------------------------------------------


def test_an_admin_saves_a_cascade_as_a_template_and_applies_it_to_next_month(
    client_for, org, admin, member, teammate, split_team_goal
):
    client = client_for(admin)
    child = child_of(split_team_goal, member)
    services.update_goal(actor=admin, goal=child, target=Decimal(70))
    saved = client.post(
        url("goal_save_template", org, split_team_goal.pk), {"name": "Monthly calls"}
    )
    assert saved.status_code == 302
    template = CascadeTemplate.objects.get(name="Monthly calls")
    listing = client.get(url("cascade_templates", org))
    assert listing.status_code == 200
    assert "Monthly calls" in listing.content.decode()

    applied = client.post(
        url("cascade_templates", org), {"template": template.pk, "on": "2026-07-15"}
    )
    new = Goal.objects.get(title="Monthly calls")
    assert applied.status_code == 302
    assert applied["Location"] == url("goal_cascade", org, new.pk)
    assert (new.start, new.end, new.target) == (*JULY, 100)
    children = {g.user_id: g.target for g in new.children.all()}
    # The saved split (70 : 50) is kept as weights for the 100 of the new period.
    assert children == {member.user_id: Decimal("58"), teammate.user_id: Decimal("42")}
    assert sum(children.values()) == new.target


def test_only_admins_save_or_apply_templates(client_for, org, manager, split_team_goal):
    client = client_for(manager)
    save = client.post(url("goal_save_template", org, split_team_goal.pk), {"name": "Mine"})
    listing = client.get(url("cascade_templates", org))
    assert (save.status_code, listing.status_code) == (403, 403)
    assert not CascadeTemplate.objects.exists()


def test_saving_a_template_of_an_unsplit_goal_is_a_form_error(client_for, org, admin, team_goal):
    response = client_for(admin).post(
        url("goal_save_template", org, team_goal.pk), {"name": "Nothing"}
    )
    assert response.status_code == 422
    assert b"Split this goal before saving it as a template." in response.content


# --- days off -------------------------------------------------------------------------------


def test_everyone_sees_public_holidays_and_the_organisations_days_off(client_for, org, member):
    DayOff.objects.create(organization=org, date=date(2026, 8, 14), name="Summer break")
    html = client_for(member).get(url("days_off", org)).content.decode()
    assert "Summer break" in html
    assert "Marine Day" in html  # a Japanese public holiday of the fiscal year
    assert "Add a day off" not in html


def test_an_admin_adds_and_removes_a_day_off_and_it_changes_working_days(
    client_for, org, admin, member_goal
):
    client = client_for(admin)
    assert selectors.target_for_day(member_goal, TODAY) == 10
    added = client.post(url("days_off", org), {"date": "2026-06-10", "name": "Founders' day"})
    assert added.status_code == 302
    assert selectors.target_for_day(member_goal, TODAY) == 0
    # June now has 21 working days: this week's 4 of them ask 220 * 4 / 21, about 42.
    assert selectors.target_for_week(member_goal, TODAY) == 42
    day_off = DayOff.objects.get(organization=org, date=TODAY)
    removed = client.post(url("day_off_delete", org, day_off.pk))
    assert removed.status_code == 302
    assert not DayOff.objects.exists()
    assert selectors.target_for_day(member_goal, TODAY) == 10


def test_adding_the_same_day_off_twice_is_a_form_error(client_for, org, admin):
    DayOff.objects.create(organization=org, date=TODAY)
    response = client_for(admin).post(url("days_off", org), {"date": "2026-06-10"})
    assert response.status_code == 422
    assert b"That day is already a day off." in response.content


def test_only_admins_change_days_off(client_for, org, manager, member):
    day_off = DayOff.objects.create(organization=org, date=TODAY)
    for who in (manager, member):
        client = client_for(who)
        assert client.post(url("days_off", org), {"date": "2026-06-11"}).status_code == 403
        assert client.post(url("day_off_delete", org, day_off.pk)).status_code == 403
    assert list(DayOff.objects.values_list("date", flat=True)) == [TODAY]


def test_another_organisations_day_off_is_a_404(client_for, org, outsider, other_org):
    theirs = DayOff.objects.create(organization=other_org, date=TODAY)
    response = client_for(outsider).post(url("day_off_delete", org, theirs.pk))
    assert response.status_code == 404
    assert DayOff.objects.filter(pk=theirs.pk).exists()


# --- manual check-ins -----------------------------------------------------------------------


def test_a_member_checks_in_a_manual_value_and_their_goal_moves(
    client_for, org, member, member_goal, calls, django_capture_on_commit_callbacks
):
    client = client_for(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("manual_checkin", org),
            {"metric": calls.pk, "date": "2026-06-09", "value": "12", "note": "busy"},
        )
    assert response.status_code == 302
    entry = ManualEntry.objects.get()
    assert (entry.user_id, entry.value, entry.date) == (member.user_id, 12, date(2026, 6, 9))
    member_goal.refresh_from_db()
    assert member_goal.progress_row.actual == 12
    assert "busy" in client.get(url("manual_checkin", org)).content.decode()


def test_the_check_in_link_shows_only_when_the_org_has_a_manual_metric(client_for, org, member):
    client = client_for(member)
    checkin = url("manual_checkin", org).encode()
    assert checkin not in client.get(url("my_goals", org)).content
    Metric.objects.create(organization=org, key="demos", name="Demos", source="manual")
    assert checkin in client.get(url("my_goals", org)).content


def test_a_check_in_in_the_future_is_a_form_error(client_for, org, member, calls):
    response = client_for(member).post(
        url("manual_checkin", org), {"metric": calls.pk, "date": "2026-07-01", "value": "1"}
    )
    assert response.status_code == 422
    assert not ManualEntry.objects.exists()
