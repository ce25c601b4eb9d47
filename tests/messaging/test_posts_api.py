"""The posts API as the contract writes it: shapes, filters, search, advice, reactions,
reviews; bad input is a 400, another organisation's ids are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from messaging import services
from messaging.models import Comment, Post, Reaction
from salesmgmt import periods
from tests.deals.factories import default_stages  # noqa: F401  (stages for deals)
from tests.goals.factories import GoalFactory

pytestmark = pytest.mark.django_db

POSTS = "/api/v1/orgs/acme/posts/"
CONTRACT_FIELDS = {
    "id", "author", "kind", "body", "team", "goal", "deal", "activity", "advice_requested",
    "photos", "numbers", "reviewed_by", "reviewed_at", "created_at", "edited_at",
    "comment_count", "reactions", "my_reactions",
}  # fmt: skip


def test_a_post_is_created_for_the_caller_with_the_contract_fields(member, team, api_for):
    response = api_for(member).post(
        POSTS,
        {"kind": "reflection", "body": "Budget first.", "team": team.pk, "advice_requested": True},
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) >= CONTRACT_FIELDS
    assert data["author"] == member.user_id
    assert data["team"] == team.pk
    assert data["numbers"] is None
    assert data["reactions"] == {}
    assert data["my_reactions"] == []
    assert data["unanswered"] is True


def test_read_only_fields_in_the_body_are_ignored(member, teammate, api_for):
    response = api_for(member).post(
        POSTS,
        {
            "kind": "reflection",
            "body": "Mine",
            "author": teammate.user_id,
            "reviewed_by": teammate.user_id,
            "organization": 999,
            "numbers": {"x": 1},
        },
    )
    assert response.status_code == 201
    post = Post.objects.get()
    assert post.author_id == member.user_id
    assert post.reviewed_by_id is None
    assert post.numbers is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "reflection", "body": ""}, "body"),
        ({"kind": "reflection", "body": "x" * 10_001}, "body"),
        ({"kind": "gossip", "body": "x"}, "kind"),
        ({"kind": "reflection", "body": "x", "team": 987654}, "team"),
        ({"kind": "reflection", "body": "x", "goal": "abc"}, "goal"),
        ({"kind": "photo_action", "body": "x"}, "photos"),
        ({"kind": "reflection", "body": "x", "went_well": "y"}, "went_well"),
    ],
)
def test_bad_posts_answer_400_on_the_field(payload, field, member, api_for):
    response = api_for(member).post(POSTS, payload)
    assert response.status_code == 400
    assert field in response.json()
    assert not Post.objects.exists()


def test_a_member_cannot_post_to_a_team_they_do_not_belong_to(member, other_team, api_for):
    response = api_for(member).post(
        POSTS, {"kind": "reflection", "body": "x", "team": other_team.pk}
    )
    assert response.status_code == 400
    assert "team" in response.json()


def test_only_managers_and_admins_post_announcements(member, manager, api_for):
    assert api_for(member).post(POSTS, {"kind": "announcement", "body": "x"}).status_code == 403
    assert api_for(manager).post(POSTS, {"kind": "announcement", "body": "x"}).status_code == 201


def test_another_organisations_team_goal_or_deal_is_refused(
    member, outsider, outsider_team, api_for
):
    foreign_goal = GoalFactory(organization=outsider.organization)
    for payload in ({"team": outsider_team.pk}, {"goal": foreign_goal.pk}):
        response = api_for(member).post(POSTS, {"kind": "reflection", "body": "x", **payload})
        assert response.status_code == 400
    assert not Post.objects.exists()


def test_a_goal_the_author_may_not_see_cannot_be_linked(member, other_team_member, api_for, org):
    hidden = GoalFactory(organization=org, scope="user", user=other_team_member.user)
    response = api_for(member).post(POSTS, {"kind": "reflection", "body": "x", "goal": hidden.pk})
    assert response.status_code == 400
    assert "goal" in response.json()


def test_the_list_filters_by_kind_author_team_goal_and_advice(
    member, teammate, team, sub_team, org, manager, admin, api_for
):
    goal = GoalFactory(organization=org, scope="user", user=member.user)
    asked = services.create_post(
        actor=member, kind="reflection", body="help?", team=team, advice_requested=True, goal=goal
    )
    answered = services.create_post(
        actor=manager, kind="reflection", body="help too?", team=sub_team, advice_requested=True
    )
    services.add_comment(actor=admin, post=answered, body="try this")
    report = services.create_post(actor=teammate, kind="daily_report", body="ok day")
    api = api_for(manager)

    def ids(**query):
        response = api.get(POSTS, query)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(kind="daily_report") == {report.pk}
    assert ids(author=member.user_id) == {asked.pk}
    assert ids(team=team.pk) == {asked.pk, answered.pk, report.pk}  # sub-teams included
    assert ids(team=sub_team.pk) == {answered.pk}
    assert ids(goal=goal.pk) == {asked.pk}
    assert ids(advice_requested="true") == {asked.pk, answered.pk}
    assert ids(unanswered="true") == {asked.pk}


def test_bad_filter_values_answer_400(member, api_for):
    for query in ({"kind": "nope"}, {"author": "x"}, {"team": 987654}, {"q": "x" * 201}):
        assert api_for(member).get(POSTS, query).status_code == 400


def test_search_finds_posts_by_their_words_in_english_and_japanese(member, api_for):
    hit = services.create_post(
        actor=member, kind="reflection", body="The budget question opened the talk"
    )
    jp = services.create_post(actor=member, kind="reflection", body="予算の質問で商談が進んだ")
    services.create_post(actor=member, kind="reflection", body="Nothing to see")
    report = services.create_post(
        actor=member, kind="daily_report", body="ok", went_well="Negotiation with Fuji went well"
    )

    def ids(text):
        return {row["id"] for row in api_for(member).get(POSTS, {"q": text}).json()["results"]}

    assert ids("budget") == {hit.pk}
    assert ids("予算") == {jp.pk}
    assert ids("negotiation") == {report.pk}


def test_search_uses_full_text_on_postgresql(require_postgres, member, api_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.create_post(actor=member, kind="reflection", body="Budgets and timing")
    with CaptureQueriesContext(connection) as captured:
        response = api_for(member).get(POSTS, {"q": "timing"})
    assert response.json()["count"] == 1
    assert any("to_tsvector" in q["sql"] for q in captured.captured_queries)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'messaging_post_search_gin'"
        )
        (definition,) = cursor.fetchone()
    assert "gin" in definition.lower()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    from messaging.filters import search_posts

    plan = search_posts(Post.objects.all(), "timing").explain()
    assert "messaging_post_search_gin" in plan  # the query matches the indexed expression


def test_the_author_edits_and_others_may_not(team_post, member, teammate, admin, api_for):
    url = f"{POSTS}{team_post.pk}/"
    response = api_for(member).patch(url, {"body": "Budget first.", "advice_requested": True})
    assert response.status_code == 200
    assert response.json()["edited_at"] is not None
    assert api_for(teammate).patch(url, {"body": "x"}).status_code == 403
    assert api_for(admin).patch(url, {"body": "x"}).status_code == 403
    assert Post.objects.get().body == "Budget first."


def test_admins_may_delete_anyones_post_and_teammates_may_not(team_post, teammate, admin, api_for):
    url = f"{POSTS}{team_post.pk}/"
    assert api_for(teammate).delete(url).status_code == 403
    assert api_for(admin).delete(url).status_code == 204
    assert not Post.objects.exists()


def test_advice_is_offered_by_others_and_marked_helpful_by_the_author(
    team_post, member, teammate, api_for
):
    comments = f"{POSTS}{team_post.pk}/comments/"
    advice = api_for(teammate).post(comments, {"body": "Ask about timing", "is_advice": True})
    assert advice.status_code == 201
    assert advice.json()["is_advice"] is True
    own = api_for(member).post(comments, {"body": "my own tip", "is_advice": True})
    assert own.status_code == 400

    helpful = api_for(member).post(f"{comments}{advice.json()['id']}/helpful/", {"helpful": True})
    assert helpful.status_code == 200
    assert helpful.json()["helpful"] is True
    assert (
        api_for(teammate).post(f"{comments}{advice.json()['id']}/helpful/", {}).status_code == 403
    )
    listed = api_for(member).get(comments).json()["results"]
    assert [c["body"] for c in listed] == ["Ask about timing"]


def test_a_post_is_unanswered_until_someone_but_the_author_replies(member, teammate, team, api_for):
    post = services.create_post(
        actor=member, kind="reflection", body="help?", team=team, advice_requested=True
    )
    url = f"{POSTS}{post.pk}/"
    services.add_comment(actor=member, post=post, body="more context")
    assert api_for(member).get(url).json()["unanswered"] is True
    services.add_comment(actor=teammate, post=post, body="here is how")
    assert api_for(member).get(url).json()["unanswered"] is False


def test_reactions_are_idempotent_and_from_the_fixed_set(team_post, member, teammate, api_for):
    url = f"{POSTS}{team_post.pk}/reactions/"
    for _ in range(2):
        response = api_for(teammate).post(url, {"emoji": "👍"})
        assert response.status_code == 200
    api_for(member).post(url, {"emoji": "👍"})
    api_for(member).post(url, {"emoji": "🎉"})
    assert response.json() == {"reactions": {"👍": 1}, "my_reactions": ["👍"]}
    assert api_for(member).get(f"{POSTS}{team_post.pk}/").json()["reactions"] == {"👍": 2, "🎉": 1}
    assert api_for(member).post(url, {"emoji": "💩"}).status_code == 400
    for _ in range(2):
        assert api_for(teammate).delete(url, {"emoji": "👍"}).status_code == 200
    assert Reaction.objects.filter(user=teammate.user).count() == 0
    assert api_for(member).delete(f"{url}?emoji=🎉").status_code == 200
    assert list(Reaction.objects.values_list("emoji", flat=True)) == ["👍"]


def test_a_daily_report_carries_the_numbers_and_is_reviewed_once_by_a_manager(
    member, manager, teammate, admin, api_for
):
    response = api_for(member).post(
        POSTS, {"kind": "daily_report", "body": "Four visits", "went_well": "Budget talk"}
    )
    assert response.status_code == 201
    report = response.json()
    assert report["team"] == member.team_id
    assert report["numbers"]["date"] == periods.today(member.organization).isoformat()
    assert {"activities", "goals", "deals_moved"} <= set(report["numbers"])
    review = f"{POSTS}{report['id']}/review/"

    assert api_for(member).post(review, {}).status_code == 403
    assert api_for(teammate).post(review, {}).status_code == 403
    first = api_for(manager).post(review, {"comment": "Nice work"})
    assert first.status_code == 200
    assert first.json()["reviewed_by"] == manager.user_id
    again = api_for(admin).post(review, {})
    assert again.json()["reviewed_by"] == manager.user_id  # the first review stands
    assert Comment.objects.get().body == "Nice work"


def test_one_daily_report_per_person_and_day(member, api_for):
    assert api_for(member).post(POSTS, {"kind": "daily_report", "body": "one"}).status_code == 201
    second = api_for(member).post(POSTS, {"kind": "daily_report", "body": "two"})
    assert second.status_code == 400
    assert "report_date" in second.json()


def test_a_daily_report_is_not_for_a_future_day_nor_too_long_ago(member, api_for):
    today = periods.today(member.organization)
    for day in (today + timedelta(days=1), today - timedelta(days=30)):
        response = api_for(member).post(
            POSTS, {"kind": "daily_report", "body": "x", "report_date": day.isoformat()}
        )
        assert response.status_code == 400
        assert "report_date" in response.json()


def test_only_daily_reports_are_reviewed(team_post, manager, api_for):
    response = api_for(manager).post(f"{POSTS}{team_post.pk}/review/", {})
    assert response.status_code == 400
