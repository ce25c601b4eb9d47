"""A believable week of the team's conversation for the demo organisation.

Daily reports (most reviewed by the manager), reflections, role-play and appointment
notes, photo actions with generated pictures, questions asking for advice and the advice
they drew, a few direct messages. Idempotent: an organisation with posts is left alone.
"""

from __future__ import annotations

import io
import random
from datetime import datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts import rules
from accounts.models import Membership, Organization
from messaging import services
from messaging.models import Comment, Post
from salesmgmt import periods

REFLECTIONS = [
    "Visited three new accounts in Shinagawa. I talked too much about features and too little "
    "about their delivery problem. Next time: two questions before any slide.",
    "The buyer at {customer} asked about maintenance costs twice. I did not have the numbers "
    "ready; I will prepare a one-page cost comparison.",
    "Good day: two effective negotiations out of four visits. Asking about their current "
    "supplier early opened the conversation.",
    "Lost momentum after lunch. Blocking 14:00-16:00 for calls from tomorrow.",
]
ADVICE_QUESTIONS = [
    "{customer} keeps postponing the decision meeting. How do you get a firm date without "
    "sounding pushy?",
    "The purchasing manager wants a 15% discount before talking about the pilot. What has "
    "worked for you in this situation?",
    "How do you open a cold visit when the receptionist says the person is busy?",
]
ADVICE_ANSWERS = [
    "Offer two concrete dates and ask which one suits them; it is easier to pick than to propose.",
    "Trade, don't give: a discount only against a longer contract or a reference visit.",
    "Leave a one-line note about a problem you solved for a similar company and ask for ten "
    "minutes next week.",
    "I had the same with Aoba last quarter: inviting their engineer to the demo moved it.",
]
ROLEPLAYS = [
    "Role-play with @{partner}: handling the price objection. Pausing after the price helped; "
    "I still rush to justify it.",
    "Practised the opening for first visits. Feedback: state why we came in one sentence.",
]
APPOINTMENTS = [
    "Appointment booked with {customer} for next Tuesday 10:00: plant tour and needs review.",
    "Second meeting with {customer} confirmed; they will bring their IT lead.",
]
PHOTO_ACTIONS = [
    "Our stand at the regional trade fair: twelve business cards collected.",
    "Installed the demo unit at {customer}'s warehouse today.",
    "Team study session on the new proposal template.",
]
WENT_WELL = [
    "Asked about the budget early in every meeting.",
    "Two follow-up calls turned into appointments.",
    "Proposal sent the same day as the meeting.",
]
WENT_BADLY = [
    "Spent too long on e-mail in the morning.",
    "Forgot to confirm the next step at the end of one visit.",
    "",
]
PLANS = [
    "Three new visits in Minato-ku; prepare the cost comparison.",
    "Call back the two leads from the fair.",
    "Finish the proposal for the renewal and ask the manager to review it.",
]
CUSTOMERS = ["Aoba Industries", "Sakura Holdings", "Fuji Logistics", "Minato Retail"]
COLOURS = [(46, 125, 50), (21, 101, 192), (239, 108, 0), (106, 27, 154)]


def _picture(rng: random.Random, label: int) -> SimpleUploadedFile:
    """A small generated JPEG: a coloured scene with a few shapes (no camera, no EXIF)."""
    image = Image.new("RGB", (960, 720), rng.choice(COLOURS))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randrange(0, 860), rng.randrange(0, 620)
        draw.rectangle(
            (x, y, x + rng.randrange(40, 200), y + rng.randrange(40, 160)),
            fill=(rng.randrange(120, 255), rng.randrange(120, 255), rng.randrange(120, 255)),
        )
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return SimpleUploadedFile(f"demo-{label}.jpg", out.getvalue(), content_type="image/jpeg")


def _backdate(post: Post, moment: datetime) -> None:
    Post.objects.filter(pk=post.pk).update(created_at=moment)


def seed_demo_messaging(*, org: Organization, memberships: list[Membership]) -> int:
    """Create a week of posts for the demo people; returns the number of posts made."""
    if Post.objects.for_org(org).exists():
        return 0
    people = list(
        Membership.objects.for_org(org)
        .filter(pk__in=[m.pk for m in memberships], active=True)
        .select_related("user", "organization", "team")
    )
    reps = [m for m in people if m.role == Membership.Role.MEMBER and m.team_id]
    leads = [m for m in people if m.role == Membership.Role.MANAGER]
    if not reps:
        return 0
    rng = random.Random(org.pk * 97)  # noqa: S311  (demo data, not secrets)
    today = periods.today(org)
    days = [today - timedelta(days=n) for n in range(6, -1, -1)]
    days = [d for d in days if d.weekday() < 5] or [today]
    made = 0

    def at(day: object, hour: int) -> datetime:
        return timezone.make_aware(datetime.combine(day, time(hour, rng.randrange(60))), org.tzinfo)  # type: ignore[arg-type]

    def manager_of(rep: Membership) -> Membership | None:
        return next((m for m in leads if rules.can_manage_member(m, rep)), None)

    for rep in reps:
        boss = manager_of(rep)
        for day in days:
            if rng.random() > 0.8:
                continue
            report = services.create_post(
                actor=rep,
                kind=Post.Kind.DAILY_REPORT,
                report_date=day,
                body=rng.choice(REFLECTIONS).format(customer=rng.choice(CUSTOMERS)),
                went_well=rng.choice(WENT_WELL),
                went_badly=rng.choice(WENT_BADLY),
                tomorrow_plan=rng.choice(PLANS),
            )
            _backdate(report, at(day, 18))
            made += 1
            if boss is not None and day < today and rng.random() < 0.75:
                services.review_report(
                    actor=boss,
                    post=report,
                    comment="Good reflection. Let's talk about it on Thursday."
                    if rng.random() < 0.3
                    else "",
                )
                Post.objects.filter(pk=report.pk).update(reviewed_at=at(day, 20))
    for index, rep in enumerate(reps):
        teammates = [m for m in reps if m.team_id == rep.team_id and m.pk != rep.pk]
        day = rng.choice(days)
        kind, body = rng.choice(
            [
                (Post.Kind.REFLECTION, rng.choice(REFLECTIONS)),
                (Post.Kind.APPOINTMENT, rng.choice(APPOINTMENTS)),
                (Post.Kind.ROLEPLAY, rng.choice(ROLEPLAYS)),
            ]
        )
        partner = rng.choice(teammates).user.email.split("@")[0] if teammates else "team"
        post = services.create_post(
            actor=rep,
            kind=kind,
            body=body.format(customer=rng.choice(CUSTOMERS), partner=partner),
            default_team=True,
        )
        _backdate(post, at(day, 12))
        made += 1
        if index % 3 == 0:
            question = services.create_post(
                actor=rep,
                kind=Post.Kind.REFLECTION,
                body=rng.choice(ADVICE_QUESTIONS).format(customer=rng.choice(CUSTOMERS)),
                advice_requested=True,
                default_team=True,
            )
            _backdate(question, at(day, 9))
            made += 1
            helpers = rng.sample(teammates, k=min(2, len(teammates))) if index % 2 == 0 else []
            boss = manager_of(rep)
            if boss is not None and index % 2 == 0:
                helpers.append(boss)
            for hour, helper in enumerate(helpers, start=10):
                advice = services.add_comment(
                    actor=helper, post=question, body=rng.choice(ADVICE_ANSWERS), is_advice=True
                )
                Comment.objects.filter(pk=advice.pk).update(created_at=at(day, hour))
            first = Comment.objects.filter(post=question).order_by("id").first()
            if first is not None:
                services.mark_helpful(actor=rep, comment=first)
                thanks = services.add_comment(
                    actor=rep, post=question, body="Thank you, I will try that."
                )
                Comment.objects.filter(pk=thanks.pk).update(created_at=at(day, 15))
        if index % 4 == 1:
            photo_post = services.create_post(
                actor=rep,
                kind=Post.Kind.PHOTO_ACTION,
                body=rng.choice(PHOTO_ACTIONS).format(customer=rng.choice(CUSTOMERS)),
                uploads=[_picture(rng, index), _picture(rng, index + 100)][: 1 + index % 2],
                default_team=True,
            )
            _backdate(photo_post, at(day, 16))
            made += 1
        if teammates and index % 5 == 0:
            conversation, _created = services.start_conversation(
                actor=rep, participants=[teammates[0].user_id]
            )
            services.send_message(
                actor=rep,
                conversation=conversation,
                body="Could you join my visit to Fuji Logistics on Friday?",
            )
            services.send_message(
                actor=teammates[0], conversation=conversation, body="Yes, 10:00 works for me."
            )
    if leads:
        announcement = services.create_post(
            actor=leads[0],
            kind=Post.Kind.ANNOUNCEMENT,
            body="This month we focus on effective negotiations: ask about budget and timing in "
            "every first meeting. Share what works in the feed!",
        )
        _backdate(announcement, at(days[0], 8))
        made += 1
    return made
