"""S15: flooding activity writes or exports answers 429 and leaves an audit row."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.throttling import ScopedRateThrottle

from accounts.models import AuditEvent
from activities.models import Activity
from tests.activities.factories import ActivityFactory, default_types

pytestmark = pytest.mark.django_db

URL = "/api/v1/orgs/acme/activities/"


@pytest.fixture(autouse=True)
def types(org):
    return default_types(org)


@pytest.fixture(autouse=True)
def low_rates(monkeypatch):
    # DRF reads DEFAULT_THROTTLE_RATES once, into this class attribute.
    monkeypatch.setattr(
        ScopedRateThrottle,
        "THROTTLE_RATES",
        {"activity_write": "3/min", "activity_export": "2/min"},
    )
    cache.clear()
    yield
    cache.clear()


def throttle_events():
    return AuditEvent.objects.filter(action="throttled")


def test_the_write_past_the_limit_is_429_and_audited(api_for, member, org):
    client = api_for(member)
    for _ in range(3):
        assert client.post(URL, {"type": "call"}).status_code == 201
    refused = client.post(URL, {"type": "call"})
    assert refused.status_code == 429
    assert "Retry-After" in refused
    assert Activity.objects.count() == 3
    [event] = throttle_events()
    assert event.actor_id == member.user_id
    assert event.organization_id == org.pk
    assert event.target == URL
    assert event.detail["scope"] == "activity_write"


def test_edits_deletes_and_imports_share_the_write_budget(api_for, member):
    client = api_for(member)
    activity = ActivityFactory.create(membership=member)
    detail = f"{URL}{activity.pk}/"
    assert client.patch(detail, {"quantity": 2}).status_code == 200
    assert client.post(URL, {"type": "call"}).status_code == 201
    csv = SimpleUploadedFile("a.csv", b"user_email,type,occurred_at\n", content_type="text/csv")
    assert client.post(f"{URL}import/", {"file": csv}, format="multipart").status_code == 400
    assert client.delete(detail).status_code == 429
    assert client.patch(detail, {"quantity": 3}).status_code == 429
    assert Activity.objects.filter(pk=activity.pk, quantity=2).exists()
    assert throttle_events().count() == 2


def test_reads_are_not_counted_against_writes(api_for, member):
    client = api_for(member)
    for _ in range(10):
        assert client.get(URL).status_code == 200
    assert client.post(URL, {"type": "call"}).status_code == 201
    assert not throttle_events().exists()


def test_each_user_has_their_own_budget(api_for, member, teammate):
    for _ in range(3):
        api_for(member).post(URL, {"type": "call"})
    assert api_for(member).post(URL, {"type": "call"}).status_code == 429
    assert api_for(teammate).post(URL, {"type": "call"}).status_code == 201


def test_export_floods_are_429_and_audited(api_for, manager, org):
    client = api_for(manager)
    for _ in range(2):
        assert client.get(f"{URL}export/").status_code == 200
    assert client.get(f"{URL}export/").status_code == 429
    [event] = throttle_events()
    assert (event.actor_id, event.organization_id) == (manager.user_id, org.pk)
    assert event.detail["scope"] == "activity_export"
    # the export budget is separate from the write budget
    assert client.post(URL, {"type": "call"}).status_code == 201
