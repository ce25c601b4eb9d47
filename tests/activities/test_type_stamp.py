"""Activity types kept per process under the organisation's stamp (activities/types.py).

Logging reads the type from the process's copy while the organisation row the request loaded
carries the stamp the copy was read under; every change of a type gives a new stamp.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Organization
from activities import services, types
from activities.models import Activity, ActivityType
from salesmgmt.errors import DomainError
from salesmgmt.tenancy import resolve_membership

pytestmark = pytest.mark.django_db


def fresh(membership):
    """The membership as the next request reads it (its organisation row fresh)."""
    return resolve_membership(membership.user, membership.organization.slug)


def stamp(org: Organization):
    return Organization.objects.values_list("activity_types_stamp", flat=True).get(pk=org.pk)


def test_logging_reads_the_type_once_per_stamp(rollup_org, member) -> None:
    types.forget(rollup_org.pk)
    services.log_activity(actor=fresh(member), type="call")
    actor = fresh(member)
    with CaptureQueriesContext(connection) as queries:
        activity = services.log_activity(actor=actor, type="call")
    assert not [q for q in queries.captured_queries if "activities_activitytype" in q["sql"]]
    assert activity.type.key == "call"
    assert Activity.objects.get(pk=activity.pk).type_id == activity.type_id


@pytest.mark.parametrize("change", ["create", "rename", "deactivate", "delete", "defaults"])
def test_every_change_of_a_type_gives_a_new_stamp(rollup_org, admin, change) -> None:
    before = stamp(rollup_org)
    call = ActivityType.objects.for_org(rollup_org).get(key="call")
    if change == "create":
        services.create_activity_type(actor=admin, key="demo", name="Demo")
    elif change == "rename":
        services.update_activity_type(actor=admin, activity_type=call, name="Phone call")
    elif change == "deactivate":
        services.update_activity_type(actor=admin, activity_type=call, active=False)
    elif change == "delete":
        call.delete()
    else:
        ActivityType.objects.for_org(rollup_org).filter(key="email").delete()
        Organization.objects.filter(pk=rollup_org.pk).update(activity_types_stamp=before)
        services.ensure_default_activity_types(org=rollup_org)
    assert stamp(rollup_org) != before


def test_a_type_deactivated_since_is_refused_by_the_next_request(rollup_org, admin, member):
    services.log_activity(actor=fresh(member), type="call")  # the copy holds "call", active
    call = ActivityType.objects.for_org(rollup_org).get(key="call")
    services.update_activity_type(actor=fresh(admin), activity_type=call, active=False)
    with pytest.raises(DomainError, match="no longer in use"):
        services.log_activity(actor=fresh(member), type="call")


def test_a_change_made_by_another_process_is_seen_through_the_stamp(rollup_org, member):
    """Another process changed a type: this process's copy is not dropped, but the next
    request's organisation row carries the new stamp, so the types are read again."""
    services.log_activity(actor=fresh(member), type="call")
    ActivityType.objects.for_org(rollup_org).filter(key="call").update(active=False)
    # What the other process's post_save did, without this process hearing of it:
    Organization.objects.filter(pk=rollup_org.pk).update(
        activity_types_stamp="00000000-0000-4000-8000-000000000001"
    )
    with pytest.raises(DomainError, match="no longer in use"):
        services.log_activity(actor=fresh(member), type="call")


def test_an_organisation_row_loaded_before_a_change_reads_again(rollup_org, admin, member):
    """Code holding the organisation row from before a change (same request, or a test)
    does not get the old types: the change dropped this process's copy."""
    actor = fresh(member)
    services.log_activity(actor=actor, type="call")
    call = ActivityType.objects.for_org(rollup_org).get(key="call")
    services.update_activity_type(actor=admin, activity_type=call, active=False)
    with pytest.raises(DomainError, match="no longer in use"):
        services.log_activity(actor=actor, type="call")  # actor's organisation row is old


def test_types_read_in_a_rolled_back_change_are_never_served(rollup_org, admin, member):
    actor = fresh(member)
    services.log_activity(actor=actor, type="call")
    call = ActivityType.objects.for_org(rollup_org).get(key="call")
    inside: list[bool] = []

    def change_then_fail() -> None:
        with transaction.atomic():
            services.update_activity_type(actor=admin, activity_type=call, active=False)
            # Read inside the change: stored under the transaction's new stamp only.
            inside.append(types.type_by_key(fresh(member).organization, "call").active)
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert inside == [False]
    assert ActivityType.objects.get(pk=call.pk).active is True
    activity = services.log_activity(actor=fresh(member), type="call")
    assert activity.type.active is True


def test_unknown_keys_and_organisations_without_types(org, member) -> None:
    assert types.type_by_key(org, "call") is None  # no types at all: nothing kept
    services.ensure_default_activity_types(org=org)
    with pytest.raises(DomainError, match="Unknown activity type"):
        services.log_activity(actor=fresh(member), type="nope")
    assert types.type_by_key(fresh(member).organization, "call") is not None
