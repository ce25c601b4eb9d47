"""Serializer fields built once per class, copied per instance (salesmgmt.api)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers

from activities.api import ActivitySerializer, ActivityWriteSerializer
from salesmgmt.api import PrototypeFieldsMixin
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def test_instances_get_their_own_fields_bound_to_themselves() -> None:
    tokyo = OrganizationFactory(timezone="Asia/Tokyo")
    new_york = OrganizationFactory(timezone="America/New_York")
    first = ActivityWriteSerializer(context={"org": tokyo})
    second = ActivityWriteSerializer(context={"org": new_york})
    assert first.fields["occurred_at"] is not second.fields["occurred_at"]
    assert first.fields["occurred_at"].parent is first
    assert second.fields["occurred_at"].parent is second
    assert str(first.fields["occurred_at"].timezone) == "Asia/Tokyo"
    assert str(second.fields["occurred_at"].timezone) == "America/New_York"
    # The nested serializer is a copy of its own too.
    assert first.fields["location"] is not second.fields["location"]
    assert first.fields["location"].fields["lat"].parent is first.fields["location"]


def test_validation_and_output_are_those_of_the_declared_fields() -> None:
    org = OrganizationFactory(timezone="Asia/Tokyo")
    data = ActivityWriteSerializer(
        data={"type": "call", "occurred_at": "2026-12-01T09:30:00", "quantity": 0},
        context={"org": org},
    )
    assert not data.is_valid()
    assert set(data.errors) == {"quantity"}
    good = ActivityWriteSerializer(
        data={"type": "call", "occurred_at": "2026-12-01T09:30:00", "location": {"lat": 1}},
        context={"org": org},
    )
    assert not good.is_valid()
    assert set(good.errors) == {"location"}
    assert set(ActivitySerializer(context={"org": org}).fields) == set(
        ActivitySerializer.Meta.fields
    )


def test_fields_holding_another_field_are_refused() -> None:
    class Shared(PrototypeFieldsMixin, serializers.Serializer):
        tags = serializers.ListField(child=serializers.CharField())

    with pytest.raises(ImproperlyConfigured, match="tags"):
        _ = Shared().fields
