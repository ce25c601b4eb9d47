"""About 200 demo deals across stages: some stale, some long-term, some with a manager along."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import Membership, Organization, Team
from activities.rollup import Bucket, drain_all, mark_dirty
from deals.models import Customer, Deal, Stage, StageChange
from salesmgmt import periods

DEAL_KINDS = ["Fleet", "ERP", "Renewal", "Expansion", "Pilot", "Upgrade"]
INDUSTRIES = ["Manufacturing", "Retail", "Logistics", "Healthcare", "Finance", "Construction"]
COMPANIES = [
    "Aoba", "Sakura", "Fuji", "Minato", "Kawasaki", "Hikari", "Tsubasa", "Midori", "Nishiki",
    "Kaede", "Hoshi", "Umi", "Yama", "Sora", "Kumo", "Tetsu", "Kinu", "Asahi", "Matsu", "Take",
]  # fmt: skip


def seed_demo_deals(*, org: Organization, count: int = 200) -> None:
    """Idempotent: an organisation with deals is left alone."""
    if Deal.objects.for_org(org).exists():
        return
    stages = {s.key: s for s in Stage.objects.for_org(org)}
    reps = list(
        Membership.objects.for_org(org)
        .filter(role=Membership.Role.MEMBER, active=True)
        .select_related("user")
    )
    if not reps or "won" not in stages:
        return
    managers: dict[int, int] = {}
    for team in Team.objects.for_org(org).prefetch_related("managers"):
        leads = list(team.managers.all())
        if leads:
            managers[team.pk] = leads[0].pk
    rng = random.Random(org.pk * 31)
    customers = Customer.objects.bulk_create(
        [
            Customer(organization=org, name=f"{name} {suffix}", industry=rng.choice(INDUSTRIES))
            for name in COMPANIES
            for suffix in ("Industries", "Holdings")
        ]
    )
    now = timezone.now()
    today = periods.today(org)
    open_keys = ["lead", "qualified", "proposal", "negotiation"]
    for i in range(count):
        rep = reps[i % len(reps)]
        roll = rng.random()
        stage_key = "won" if roll < 0.22 else "lost" if roll < 0.32 else rng.choice(open_keys)
        stage = stages[stage_key]
        created = now - timedelta(days=rng.randint(5, 300))
        long_term = rng.random() < 0.2
        touched = created + timedelta(days=rng.randint(0, max(0, (now - created).days)))
        if stage.outcome == "open":
            # about one open deal in five has gone stale; the rest moved recently
            stale = rng.random() < 0.2
            quiet_days = (
                rng.randint(org.stale_deal_days + 1, 60)
                if stale
                else rng.randint(0, org.stale_deal_days - 1)
            )
            touched = max(created, now - timedelta(days=quiet_days))
        deal = Deal(
            organization=org,
            title=f"{rng.choice(DEAL_KINDS)} #{i + 1}",
            customer=rng.choice(customers),
            owner=rep.user,
            team_id=rep.team_id,
            amount=Decimal(rng.randrange(300_000, 6_000_000, 50_000)),
            stage=stage,
            probability=stage.probability,
            expected_close_date=today
            + timedelta(days=rng.randint(-10, 120 if not long_term else 400)),
            next_step=rng.choice(
                ["Send revised quote", "Demo for the plant manager", "Budget meeting", ""]
            ),
            next_step_date=today + timedelta(days=rng.randint(-7, 21)),
            term=Deal.Term.LONG if long_term else Deal.Term.SHORT,
            forecast_category=rng.choice(["pipeline", "best_case", "commit"])
            if stage.outcome == "open"
            else "pipeline",
            last_stage_change_at=touched,
            lost_reason="Chose a cheaper competitor" if stage_key == "lost" else "",
        )
        if stage.outcome != "open":
            closed = min(now, touched + timedelta(days=1))
            deal.closed_at = closed
            if stage_key == "won":
                deal.won_user = rep.user
                deal.won_team_id = rep.team_id
                deal.won_date = periods.local_date(org, closed)
        deal.save()
        Deal.objects.filter(pk=deal.pk).update(created_at=created)
        StageChange.objects.create(
            deal=deal, from_stage=None, to_stage=stages["lead"], at=created, by=rep.user
        )
        if stage_key != "lead":
            StageChange.objects.create(
                deal=deal, from_stage=stages["lead"], to_stage=stage, at=touched, by=rep.user
            )
        manager_id = managers.get(rep.team_id or 0)
        if manager_id and rng.random() < 0.15:
            deal.collaborators.add(manager_id)
        if deal.won_date:
            mark_dirty(org_id=org.pk, buckets=[Bucket(rep.user_id, deal.won_date)])
    drain_all(org_id=org.pk)
