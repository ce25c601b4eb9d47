"""The messaging pages: the feed and notifications cost the same queries whatever their
length, text is escaped everywhere, the daily report starts from the day's numbers, the
review queue, direct messages, the bell and the panels on other apps' pages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activities import services as activity_services
from activities.rollup import rebuild_range
from deals import services as deal_services
from messaging import services
from messaging.models import Comment, Notification, Post, Reaction
from salesmgmt import periods
from tests.activities.factories import default_types
from tests.deals.factories import CustomerFactory, default_stages
from tests.goals.factories import GoalFactory, activity_metric
from tests.messaging.images import jpeg

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _busy_posts(n, *, author, team, commenters, goal=None):
    """`n` posts to `team`, each with two comments, reactions and (every third) a photo."""
    for i in range(n):
        post = services.create_post(
            actor=author,
            kind="photo_action" if i % 3 == 0 else "reflection",
            body=f"Post {i} for @tess",
            team=team,
            goal=goal,
            advice_requested=i % 2 == 0,
            uploads=[jpeg()] if i % 3 == 0 else [],
        )
        for person in commenters:
            services.add_comment(actor=person, post=post, body="Nice", is_advice=True)
            Reaction.objects.create(post=post, user=person.user, emoji="👍")


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("reader", ["member", "manager", "admin"])
def test_the_feed_costs_the_same_queries_for_three_posts_or_thirty(
    reader, request, member, teammate, manager, team, org, client_for, django_assert_max_num_queries
):
    goal = GoalFactory(organization=org, scope="user", user=member.user)
    client = client_for(request.getfixturevalue(reader))
    _busy_posts(3, author=member, team=team, commenters=[teammate, manager], goal=goal)
    few = _queries(client, "/o/acme/feed/")
    _busy_posts(27, author=member, team=team, commenters=[teammate, manager], goal=goal)
    with django_assert_max_num_queries(few):
        response = client.get("/o/acme/feed/")
    assert response.content.decode().count('data-testid="post-card"') == 20


def test_the_api_feed_costs_the_same_queries_for_three_posts_or_thirty(
    member, teammate, manager, team, api_for, django_assert_max_num_queries
):
    api = api_for(manager)
    _busy_posts(3, author=member, team=team, commenters=[teammate])
    with CaptureQueriesContext(connection) as captured:
        api.get("/api/v1/orgs/acme/posts/")
    _busy_posts(27, author=member, team=team, commenters=[teammate])
    with django_assert_max_num_queries(len(captured.captured_queries)):
        assert api.get("/api/v1/orgs/acme/posts/").json()["count"] == 30


def test_the_notifications_page_costs_the_same_queries_for_three_or_thirty(
    member, teammate, manager, team, client_for, django_assert_max_num_queries
):
    client = client_for(teammate)
    _busy_posts(3, author=member, team=team, commenters=[manager])  # each mentions @tess
    few = _queries(client, "/o/acme/notifications/")
    _busy_posts(27, author=member, team=team, commenters=[manager])
    assert Notification.objects.filter(recipient=teammate.user).count() == 30
    with django_assert_max_num_queries(few):
        client.get("/o/acme/notifications/")


def test_html_in_posts_comments_and_team_names_is_escaped(member, teammate, team, client_for):
    team.name = f"Tokyo {XSS}"
    team.save()
    post = services.create_post(actor=member, kind="reflection", body=f"Hello {XSS}", team=team)
    services.add_comment(actor=teammate, post=post, body=f"Reply {XSS}")
    client = client_for(member)
    for url in ("/o/acme/feed/", f"/o/acme/feed/{post.pk}/", "/o/acme/notifications/"):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
        assert "&lt;script&gt;" in html, url


def test_mentions_are_highlighted_in_the_feed(member, team, teammate, client_for):
    services.create_post(actor=member, kind="reflection", body="Thanks @tess!", team=team)
    html = client_for(member).get("/o/acme/feed/").content.decode()
    assert '<span class="mention">@tess</span>' in html


def test_the_feed_can_be_searched_and_filtered_on_the_page(member, team, client_for):
    services.create_post(actor=member, kind="reflection", body="budget talk", team=team)
    services.create_post(actor=member, kind="appointment", body="Aoba on Tuesday", team=team)
    client = client_for(member)
    html = client.get("/o/acme/feed/", {"q": "budget"}).content.decode()
    assert "budget talk" in html
    assert "Aoba on Tuesday" not in html
    html = client.get("/o/acme/feed/", {"kind": "appointment"}).content.decode()
    assert "Aoba on Tuesday" in html
    assert "budget talk" not in html
    assert client.get("/o/acme/feed/", {"kind": "nope"}).status_code == 200


def test_managers_see_unanswered_requests_for_advice_first(
    member, teammate, manager, team, client_for
):
    waiting = services.create_post(
        actor=member, kind="reflection", body="How to close Aoba?", team=team, advice_requested=True
    )
    helped = services.create_post(
        actor=teammate, kind="reflection", body="How to open?", team=team, advice_requested=True
    )
    services.add_comment(actor=member, post=helped, body="Like this")
    html = client_for(manager).get("/o/acme/feed/").content.decode()
    panel = html.split('data-testid="waiting-for-advice"')[1].split("</section>")[0]
    assert f'id="post-{waiting.pk}"' in panel
    assert f'id="post-{helped.pk}"' not in panel
    assert (
        'data-testid="waiting-for-advice"'
        not in client_for(member).get("/o/acme/feed/").content.decode()
    )


def test_the_feed_polls_for_new_posts_by_the_last_id_seen(member, teammate, team, client_for):
    first = services.create_post(actor=member, kind="reflection", body="one", team=team)
    client = client_for(member)
    html = client.get("/o/acme/feed/").content.decode()
    assert f"feed/new-posts/?after={first.pk}" in html
    assert (
        "new post"
        not in client.get("/o/acme/feed/new-posts/", {"after": first.pk}).content.decode()
    )
    services.create_post(actor=teammate, kind="reflection", body="two", team=team)
    services.create_post(actor=teammate, kind="appointment", body="three", team=team)
    fragment = client.get("/o/acme/feed/new-posts/", {"after": first.pk}).content.decode()
    assert "2 new posts" in fragment
    filtered = client.get("/o/acme/feed/new-posts/", {"after": first.pk, "kind": "appointment"})
    assert "1 new post" in filtered.content.decode()
    assert client.get("/o/acme/feed/new-posts/", {"after": "x"}).status_code == 200


def test_the_bell_shows_the_unread_count_and_opening_one_marks_it_read(
    team_post, member, teammate, client_for
):
    services.add_comment(actor=teammate, post=team_post, body="nice")
    client = client_for(member)
    assert (
        'data-testid="bell-count">1<' in client.get("/o/acme/notifications/bell/").content.decode()
    )
    assert (
        "notifications/bell/" in client.get("/o/acme/feed/").content.decode()
    )  # polled by the nav
    notification = Notification.objects.get()
    response = client.get(f"/o/acme/notifications/{notification.pk}/open/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"/o/acme/feed/{team_post.pk}/")
    assert "bell-count" not in client.get("/o/acme/notifications/bell/").content.decode()


def test_notification_settings_mute_kinds_and_the_digest(member, client_for):
    client = client_for(member)
    response = client.post("/o/acme/notifications/settings/", {"kinds": ["comment", "advice"]})
    assert response.status_code == 302
    from messaging.selectors import preferences_of

    saved = preferences_of(member)
    assert saved.daily_digest is False
    assert "mention" in saved.muted_kinds
    assert "comment" not in saved.muted_kinds


# --- daily reports --------------------------------------------------------------------------


@pytest.fixture
def calls_goal(org, member):
    """`member`'s goal of 60 calls this month (a share per working day)."""
    metric = activity_metric(org, "call")
    month = periods.month_of(periods.today(org))
    return GoalFactory(
        organization=org, metric=metric, scope="user", user=member.user,
        start=month.start, end=month.last, target=Decimal(60), title="Calls",
    )  # fmt: skip


def test_the_report_form_starts_from_the_days_numbers_and_the_report_keeps_them(
    org, member, calls_goal, client_for
):
    from goals.selectors import target_for_day

    default_types(org)
    for _ in range(3):
        activity_services.log_activity(actor=member, type="call")
    activity_services.log_activity(actor=member, type="new_visit", quantity=2)
    rebuild_range(org_id=org.pk)  # the rollup the report reads
    stages = default_stages(org)
    deal = deal_services.create_deal(
        actor=member, title="Fleet", customer=CustomerFactory(organization=org), amount=100
    )
    deal_services.move_deal_to_stage(actor=member, deal=deal, stage=stages["qualified"])
    client = client_for(member)

    html = client.get("/o/acme/feed/report/").content.decode()

    today = periods.today(org)
    expected_target = target_for_day(calls_goal, today)
    table = html.split('data-testid="report-numbers"')[1].split("</table>")[0]
    assert '<td class="text-end">3</td>' in table  # calls from the rollup
    assert '<td class="text-end">2</td>' in table  # new visits
    assert "Fleet" in html
    response = client.post(
        "/o/acme/feed/report/",
        {"body": "Good day", "went_well": "Calls", "report_date": today.isoformat()},
    )
    assert response.status_code == 302
    numbers = Post.objects.get().numbers
    calls = next(line for line in numbers["activities"] if line["type"] == "call")
    assert calls["count"] == 3
    assert Decimal(calls["target"] or 0) == expected_target
    assert numbers["goals"][0]["title"] == "Calls"
    assert numbers["deals_moved"] == [
        {"deal": deal.pk, "title": "Fleet", "from": "Lead", "to": "Qualified"}
    ]


def test_writing_a_second_report_for_the_day_leads_to_editing_the_first(member, client_for):
    report = services.create_post(actor=member, kind="daily_report", body="first")
    response = client_for(member).get("/o/acme/feed/report/")
    assert response.status_code == 302
    assert response["Location"] == f"/o/acme/feed/{report.pk}/edit/"


def test_the_review_queue_lists_the_managers_people_unreviewed_first(
    member, teammate, manager, other_team_member, client_for
):
    reviewed = services.create_post(actor=teammate, kind="daily_report", body="Teammate day")
    services.review_report(actor=manager, post=reviewed)
    waiting = services.create_post(actor=member, kind="daily_report", body="Member day")
    services.create_post(actor=other_team_member, kind="daily_report", body="Osaka day")
    html = client_for(manager).get("/o/acme/feed/reports/").content.decode()
    queue = html.split('data-testid="review-queue"')[1].split("</section>")[0]
    assert queue.index("Member day") < queue.index("Teammate day")
    assert "Osaka day" not in queue

    response = client_for(manager).post(
        f"/o/acme/feed/{waiting.pk}/review/", {"next": "/o/acme/feed/reports/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/o/acme/feed/reports/"
    assert Post.objects.get(pk=waiting.pk).reviewed_by_id == manager.user_id


def test_a_rep_sees_which_of_their_reports_were_reviewed(member, manager, client_for):
    report = services.create_post(actor=member, kind="daily_report", body="Member day")
    services.review_report(actor=manager, post=report)
    html = client_for(member).get("/o/acme/feed/reports/").content.decode()
    assert 'data-testid="review-queue"' not in html
    mine = html.split('data-testid="my-report"')[1]
    assert f"by {manager.user.display_name}" in mine


# --- posts, comments, reactions --------------------------------------------------------------


def test_a_post_page_shows_comments_and_the_author_marks_the_advice_that_helped(
    team_post, member, teammate, client_for
):
    advice = services.add_comment(
        actor=teammate, post=team_post, body="Ask for the budget first", is_advice=True
    )
    client = client_for(member)
    html = client.get(f"/o/acme/feed/{team_post.pk}/").content.decode()
    assert "Ask for the budget first" in html
    assert "This helped" in html
    client.post(f"/o/acme/feed/{team_post.pk}/comments/{advice.pk}/helpful/", {"helpful": "1"})
    assert Comment.objects.get(pk=advice.pk).helpful is True


def test_reacting_twice_with_the_same_emoji_takes_it_back(team_post, teammate, client_for):
    client = client_for(teammate)
    response = client.post(
        f"/o/acme/feed/{team_post.pk}/react/", {"emoji": "🎉"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.content.decode()
    client.post(f"/o/acme/feed/{team_post.pk}/react/", {"emoji": "🎉"})
    assert not Reaction.objects.exists()


def test_a_comment_without_text_is_a_form_error(team_post, teammate, client_for):
    response = client_for(teammate).post(f"/o/acme/feed/{team_post.pk}/comments/", {"body": ""})
    assert response.status_code == 422
    assert not Comment.objects.exists()


# --- direct messages -------------------------------------------------------------------------


def test_a_conversation_is_started_read_and_kept_from_admins(member, teammate, admin, client_for):
    client = client_for(member)
    response = client.post(
        "/o/acme/messages/", {"participants": [teammate.user_id], "body": "Lunch?"}
    )
    assert response.status_code == 302
    url = response["Location"]
    reply = client_for(teammate).post(url, {"body": "Sure <b>12:00</b>"})
    assert reply.status_code == 302
    html = client.get(url).content.decode()
    assert "Lunch?" in html
    assert "Sure &lt;b&gt;12:00&lt;/b&gt;" in html
    assert client_for(admin).get(url).status_code == 404
    poll = client.get(url, headers={"HX-Request": "true"})
    assert "<html" not in poll.content.decode()
    assert "Lunch?" in poll.content.decode()


def test_the_conversation_list_shows_unread_counts(member, teammate, client_for):
    conversation, _ = services.start_conversation(actor=member, participants=[teammate.user_id])
    services.send_message(actor=member, conversation=conversation, body="one")
    services.send_message(actor=member, conversation=conversation, body="two")
    html = client_for(teammate).get("/o/acme/messages/").content.decode()
    assert 'text-bg-primary align-self-center">2<' in html
    client_for(teammate).get(f"/o/acme/messages/{conversation.pk}/")
    assert (
        'align-self-center">2<'
        not in client_for(teammate).get("/o/acme/messages/").content.decode()
    )


# --- panels on other pages -----------------------------------------------------------------


def test_the_deal_page_shows_its_posts(org, member, teammate, team, client_for):
    default_stages(org)
    deal = deal_services.create_deal(
        actor=member, title="Fleet", customer=CustomerFactory(organization=org), amount=100
    )
    services.create_post(
        actor=member, kind="appointment", body="Demo booked at Kaede", team=team, deal=deal
    )
    html = client_for(member).get(f"/o/acme/deals/{deal.pk}/").content.decode()
    panel = html.split('data-testid="deal-posts"')[1].split("</section>")[0]
    assert "Demo booked at Kaede" in panel


def test_the_goal_page_shows_its_posts(org, member, team, client_for):
    goal = GoalFactory(organization=org, scope="user", user=member.user)
    services.create_post(
        actor=member, kind="reflection", body="Halfway there", team=team, goal=goal
    )
    html = client_for(member).get(f"/o/acme/goals/{goal.pk}/").content.decode()
    assert "Halfway there" in html.split('data-testid="goal-posts"')[1]


def test_my_day_shows_the_teams_latest_posts(
    member, teammate, team, other_team_member, other_team, client_for
):
    services.create_post(actor=teammate, kind="reflection", body="Team news", team=team)
    services.create_post(
        actor=other_team_member, kind="reflection", body="Osaka news", team=other_team
    )
    html = client_for(member).get("/o/acme/activities/").content.decode()
    panel = html.split('data-testid="my-day-posts"')[1].split("</section>")[0]
    assert "Team news" in panel
    assert "Osaka news" not in panel


def test_a_post_about_a_deal_hides_the_deal_from_readers_who_may_not_see_it(
    org, member, teammate, team, client_for
):
    default_stages(org)
    deal = deal_services.create_deal(
        actor=member, title="Secret fleet", customer=CustomerFactory(organization=org), amount=100
    )
    services.create_post(actor=member, kind="appointment", body="Booked", team=team, deal=deal)
    assert "Secret fleet" in client_for(member).get("/o/acme/feed/").content.decode()
    assert "Secret fleet" not in client_for(teammate).get("/o/acme/feed/").content.decode()
