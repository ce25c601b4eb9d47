"""S3: who may do what on every org page and endpoint -- one explicit row per (route, method).

Each cell of MATRIX is one test. A row names the URL name, the HTTP method and the status
every actor must get; REQUESTS gives the payload (and, where needed, other objects to act
on) so that allowed writes really succeed. Meta-tests fail when an org page or API
operation has no row (deny by default) or a row names something that no longer exists.

Actors (tests/routes.py `Cast`): `anonymous`; `deactivated` (acme membership inactive);
`member`; `manager_own` (`manager`, who leads the object's team); `manager_other`
(`other_manager`, who leads another team); `admin`; `staff` (a superuser outside acme).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.shortcuts import resolve_url

from accounts import services
from activities.models import Activity
from salesmgmt import periods
from tests import routes
from tests.activities.factories import default_types
from tests.goals.factories import MetricFactory
from tests.routes import Cast, Kind

pytestmark = pytest.mark.django_db

ACTORS = ("anonymous", "deactivated", "member", "manager_own", "manager_other", "admin", "staff")

LOGIN = "login"  # a redirect to the sign-in page (pages, anonymous)
OK, CREATED, NO_CONTENT, FOUND = 200, 201, 204, 302  # FOUND: a page's redirect after a POST
L, N = LOGIN, 404  # short names for the columns every org route shares

# fmt: off
MATRIX: dict[tuple[str, str], tuple[int | str, ...]] = {
    # (URL name, method):                       anon  deact member m_own m_oth admin staff
    # --- pages -------------------------------------------------------------------------
    ("accounts:org_home", "GET"):               (L,   N,   OK,   OK,   OK,   OK,   N),
    ("accounts:org_settings", "GET"):           (L,   N,   403,  403,  403,  OK,   N),
    ("accounts:org_settings", "POST"):          (L,   N,   403,  403,  403,  FOUND, N),
    ("accounts:team_list", "GET"):              (L,   N,   OK,   OK,   OK,   OK,   N),
    ("accounts:team_list", "POST"):             (L,   N,   403,  403,  403,  FOUND, N),
    ("accounts:team_detail", "GET"):            (L,   N,   OK,   OK,   OK,   OK,   N),
    ("accounts:team_detail", "POST"):           (L,   N,   403,  403,  403,  FOUND, N),
    ("accounts:team_delete", "POST"):           (L,   N,   403,  403,  403,  FOUND, N),
    ("accounts:member_list", "GET"):            (L,   N,   OK,   OK,   OK,   OK,   N),
    ("accounts:member_add", "GET"):             (L,   N,   403,  403,  403,  OK,   N),
    ("accounts:member_add", "POST"):            (L,   N,   403,  403,  403,  FOUND, N),
    ("accounts:member_detail", "GET"):          (L,   N,   OK,   OK,   OK,   OK,   N),
    ("accounts:member_detail", "POST"):         (L,   N,   403,  403,  403,  FOUND, N),
    ("accounts:member_resend_invitation", "POST"): (L, N,  403,  403,  403,  FOUND, N),
    ("accounts:domain_list", "GET"):            (L,   N,   403,  403,  403,  OK,   N),
    ("accounts:domain_list", "POST"):           (L,   N,   403,  403,  403,  FOUND, N),
    ("accounts:domain_verify", "POST"):         (L,   N,   403,  403,  403,  FOUND, N),
    ("accounts:domain_delete", "POST"):         (L,   N,   403,  403,  403,  FOUND, N),
    # `job_id` is member's finished deals import job: its creator and admins see it
    ("accounts:import_job", "GET"):             (L,   N,   OK,   N,    N,    OK,   N),
    # two-factor reset of `teammate` (in acme only); the audit trail: admins only
    ("accounts:member_mfa_reset", "POST"):      (L,   N,   403,  403,  403,  FOUND, N),
    ("accounts:audit_log", "GET"):              (L,   N,   403,  403,  403,  OK,   N),
    ("accounts:audit_log_export", "GET"):       (L,   N,   403,  403,  403,  OK,   N),
    # --- goals pages (the goal: `member`'s own; templates and days off: admins) ----------
    ("goals:my_goals", "GET"):                  (L,   N,   OK,   OK,   OK,   OK,   N),
    ("goals:team_goals", "GET"):                (L,   N,   403,  OK,   OK,   OK,   N),
    ("goals:goal_create", "GET"):               (L,   N,   403,  OK,   OK,   OK,   N),
    ("goals:goal_create", "POST"):              (L,   N,   403,  FOUND, 422, FOUND, N),
    ("goals:goal_detail", "GET"):               (L,   N,   OK,   OK,   N,    OK,   N),
    ("goals:goal_detail", "POST"):              (L,   N,   403,  FOUND, N,   FOUND, N),
    ("goals:goal_delete", "POST"):              (L,   N,   403,  FOUND, N,   FOUND, N),
    ("goals:goal_cascade", "GET"):              (L,   N,   403,  OK,   N,    OK,   N),
    ("goals:goal_cascade", "POST"):             (L,   N,   403,  FOUND, N,   FOUND, N),
    ("goals:goal_target_edit", "POST"):         (L,   N,   403,  FOUND, N,   FOUND, N),
    ("goals:goal_save_template", "POST"):       (L,   N,   403,  403,  N,    FOUND, N),
    ("goals:cascade_templates", "GET"):         (L,   N,   403,  403,  403,  OK,   N),
    ("goals:cascade_templates", "POST"):        (L,   N,   403,  403,  403,  FOUND, N),
    ("goals:metric_list", "GET"):               (L,   N,   403,  403,  403,  OK,   N),
    ("goals:metric_create", "GET"):             (L,   N,   403,  403,  403,  OK,   N),
    ("goals:metric_create", "POST"):            (L,   N,   403,  403,  403,  FOUND, N),
    ("goals:metric_edit", "GET"):               (L,   N,   403,  403,  403,  OK,   N),
    ("goals:metric_edit", "POST"):              (L,   N,   403,  403,  403,  FOUND, N),
    ("goals:days_off", "GET"):                  (L,   N,   OK,   OK,   OK,   OK,   N),
    ("goals:days_off", "POST"):                 (L,   N,   403,  403,  403,  FOUND, N),
    ("goals:day_off_delete", "POST"):           (L,   N,   403,  403,  403,  FOUND, N),
    ("goals:manual_checkin", "GET"):            (L,   N,   OK,   OK,   OK,   OK,   N),
    ("goals:manual_checkin", "POST"):           (L,   N,   FOUND, FOUND, FOUND, FOUND, N),
    # activities pages: `activity_id` is member's own (manager_own reads it, other_manager: 404)
    ("activities:my_day", "GET"):               (L,   N,   OK,   OK,   OK,   OK,   N),
    ("activities:my_day", "POST"):              (L,   N,   FOUND, FOUND, FOUND, FOUND, N),
    ("activities:activity_list", "GET"):        (L,   N,   OK,   OK,   OK,   OK,   N),
    ("activities:activity_export", "GET"):      (L,   N,   OK,   OK,   OK,   OK,   N),
    ("activities:activity_import", "GET"):      (L,   N,   OK,   OK,   OK,   OK,   N),
    # a CSV of member's rows: only member and admins may import them (others: 422 by line)
    ("activities:activity_import", "POST"):     (L,   N,   FOUND, 422, 422,  FOUND, N),
    ("activities:activity_edit", "GET"):        (L,   N,   OK,   OK,   N,    OK,   N),
    ("activities:activity_edit", "POST"):       (L,   N,   FOUND, 403, N,    FOUND, N),
    ("activities:activity_delete", "POST"):     (L,   N,   FOUND, 403, N,    FOUND, N),
    ("activities:funnel", "GET"):               (L,   N,   403,  OK,   OK,   OK,   N),
    ("activities:accompaniments", "GET"):       (L,   N,   403,  OK,   OK,   OK,   N),
    ("activities:type_list", "GET"):            (L,   N,   403,  OK,   OK,   OK,   N),
    ("activities:type_list", "POST"):           (L,   N,   403,  403,  403,  FOUND, N),
    ("activities:type_edit", "POST"):           (L,   N,   403,  403,  403,  FOUND, N),
    # deals pages: `deal_id` is member's deal in `team` (other_manager cannot see it)
    ("deals:deal_board", "GET"):                (L,   N,   OK,   OK,   OK,   OK,   N),
    ("deals:deal_list", "GET"):                 (L,   N,   OK,   OK,   OK,   OK,   N),
    ("deals:deal_export", "GET"):               (L,   N,   OK,   OK,   OK,   OK,   N),
    # salespeople do not import deals (deals.access.can_import_deals)
    ("deals:deal_import", "GET"):               (L,   N,   403,  OK,   OK,   OK,   N),
    ("deals:deal_import", "POST"):              (L,   N,   403,  FOUND, FOUND, FOUND, N),
    ("deals:view_save", "POST"):                (L,   N,   FOUND, FOUND, FOUND, FOUND, N),
    ("deals:view_delete", "POST"):              (L,   N,   FOUND, N,  N,    N,    N),
    ("deals:deal_create", "GET"):               (L,   N,   OK,   OK,   OK,   OK,   N),
    ("deals:deal_create", "POST"):              (L,   N,   FOUND, FOUND, 422, FOUND, N),
    ("deals:deal_detail", "GET"):               (L,   N,   OK,   OK,   N,    OK,   N),
    ("deals:deal_edit", "GET"):                 (L,   N,   OK,   OK,   N,    OK,   N),
    ("deals:deal_edit", "POST"):                (L,   N,   FOUND, FOUND, N,  FOUND, N),
    ("deals:deal_delete", "POST"):              (L,   N,   FOUND, 403, N,   FOUND, N),
    ("deals:deal_move", "POST"):                (L,   N,   FOUND, FOUND, N,  FOUND, N),
    ("deals:deal_forecast", "POST"):            (L,   N,   FOUND, FOUND, N,  FOUND, N),
    ("deals:note_add", "POST"):                 (L,   N,   FOUND, FOUND, N,  FOUND, N),
    ("deals:concern_add", "POST"):              (L,   N,   FOUND, FOUND, N,  FOUND, N),
    ("deals:concern_resolve", "POST"):          (L,   N,   FOUND, FOUND, N,  FOUND, N),
    ("deals:customer_list", "GET"):             (L,   N,   OK,   OK,   OK,   OK,   N),
    ("deals:customer_create", "GET"):           (L,   N,   OK,   OK,   OK,   OK,   N),
    ("deals:customer_create", "POST"):          (L,   N,   FOUND, FOUND, FOUND, FOUND, N),
    ("deals:customer_detail", "GET"):           (L,   N,   OK,   OK,   OK,   OK,   N),
    ("deals:customer_detail", "POST"):          (L,   N,   FOUND, FOUND, FOUND, FOUND, N),
    ("deals:contact_add", "POST"):              (L,   N,   FOUND, FOUND, FOUND, FOUND, N),
    ("deals:deal_load", "GET"):                 (L,   N,   403,  OK,   OK,   OK,   N),
    ("deals:forecast_report", "GET"):           (L,   N,   OK,   OK,   OK,   OK,   N),
    ("deals:stage_list", "GET"):                (L,   N,   403,  403,  403,  OK,   N),
    ("deals:stage_list", "POST"):               (L,   N,   403,  403,  403,  FOUND, N),
    ("deals:stage_edit", "POST"):               (L,   N,   403,  403,  403,  FOUND, N),
    # dashboards: `team_id` is `team` (manager_own leads it), `user_id` is `member`
    ("dashboards:org_overview", "GET"):         (L,   N,   403,  OK,   OK,   OK,   N),
    ("dashboards:team_home", "GET"):            (L,   N,   403,  FOUND, FOUND, FOUND, N),
    ("dashboards:team_dashboard", "GET"):       (L,   N,   403,  OK,   403,  OK,   N),
    ("dashboards:member_dashboard", "GET"):     (L,   N,   OK,   OK,   403,  OK,   N),
    # messaging pages: `post_id` is member's post to `team` (other_manager cannot read it),
    # `comment_id` teammate's advice on it, `conversation_id` member's with teammate
    ("messaging:feed", "GET"):                  (L,   N,   OK,   OK,   OK,   OK,   N),
    ("messaging:feed_new_count", "GET"):        (L,   N,   OK,   OK,   OK,   OK,   N),
    ("messaging:post_create", "GET"):           (L,   N,   OK,   OK,   OK,   OK,   N),
    ("messaging:post_create", "POST"):          (L,   N,   FOUND, FOUND, FOUND, FOUND, N),
    ("messaging:report_create", "GET"):         (L,   N,   OK,   OK,   OK,   OK,   N),
    ("messaging:report_create", "POST"):        (L,   N,   FOUND, FOUND, FOUND, FOUND, N),
    ("messaging:report_list", "GET"):           (L,   N,   OK,   OK,   OK,   OK,   N),
    ("messaging:post_detail", "GET"):           (L,   N,   OK,   OK,   N,    OK,   N),
    ("messaging:post_edit", "GET"):             (L,   N,   OK,   403,  N,    403,  N),
    ("messaging:post_edit", "POST"):            (L,   N,   FOUND, 403, N,    403,  N),
    ("messaging:post_delete", "POST"):          (L,   N,   FOUND, 403, N,    FOUND, N),
    ("messaging:comment_add", "POST"):          (L,   N,   FOUND, FOUND, N,  FOUND, N),
    ("messaging:comment_helpful", "POST"):      (L,   N,   FOUND, 403, N,    403,  N),
    ("messaging:post_react", "POST"):           (L,   N,   FOUND, FOUND, N,  FOUND, N),
    ("messaging:report_review", "POST"):        (L,   N,   403,  FOUND, N,   FOUND, N),
    ("messaging:photo", "GET"):                 (L,   N,   OK,   OK,   N,    OK,   N),
    ("messaging:conversation_list", "GET"):     (L,   N,   OK,   OK,   OK,   OK,   N),
    ("messaging:conversation_list", "POST"):    (L,   N,   FOUND, FOUND, FOUND, FOUND, N),
    ("messaging:conversation_detail", "GET"):   (L,   N,   OK,   N,    N,    N,    N),
    ("messaging:conversation_detail", "POST"):  (L,   N,   FOUND, N,   N,    N,    N),
    ("messaging:notification_list", "GET"):     (L,   N,   OK,   OK,   OK,   OK,   N),
    ("messaging:notification_list", "POST"):    (L,   N,   FOUND, FOUND, FOUND, FOUND, N),
    ("messaging:notification_bell", "GET"):     (L,   N,   OK,   OK,   OK,   OK,   N),
    ("messaging:notification_open", "GET"):     (L,   N,   FOUND, N,   N,    N,    N),
    ("messaging:notification_settings", "GET"): (L,  N,   OK,   OK,   OK,   OK,   N),
    ("messaging:notification_settings", "POST"): (L, N,   FOUND, FOUND, FOUND, FOUND, N),
    # motivation pages: `checkin_id` is member's check-in this week (its author changes it)
    ("motivation:checkins", "GET"):             (L,   N,   OK,   OK,   OK,   OK,   N),
    ("motivation:checkins", "POST"):            (L,   N,   FOUND, FOUND, FOUND, FOUND, N),
    ("motivation:checkin_delete", "POST"):      (L,   N,   FOUND, 403, N,    403,  N),
    ("motivation:settings", "GET"):             (L,   N,   403,  403,  403,  OK,   N),
    ("motivation:settings", "POST"):            (L,   N,   403,  403,  403,  FOUND, N),
    # `one_on_one_id`: manager's coming 1:1 with member; `item_id`: member's action item in it
    ("motivation:one_on_ones", "GET"):          (L,   N,   OK,   OK,   OK,   OK,   N),
    ("motivation:one_on_ones", "POST"):         (L,   N,   403,  FOUND, 422, FOUND, N),
    ("motivation:one_on_one_detail", "GET"):    (L,   N,   OK,   OK,   N,    OK,   N),
    ("motivation:one_on_one_detail", "POST"):   (L,   N,   403,  FOUND, N,   403,  N),
    ("motivation:one_on_one_delete", "POST"):   (L,   N,   403,  FOUND, N,   403,  N),
    ("motivation:action_item_add", "POST"):     (L,   N,   403,  FOUND, N,   403,  N),
    ("motivation:action_item_done", "POST"):    (L,   N,   FOUND, FOUND, N,  403,  N),
    ("motivation:agenda_propose", "POST"):      (L,   N,   FOUND, FOUND, N,  403,  N),
    # `kudos_id`: member's kudos to teammate (the organisation reads it; author, admins delete)
    ("motivation:kudos", "GET"):                (L,   N,   OK,   OK,   OK,   OK,   N),
    ("motivation:kudos", "POST"):               (L,   N,   FOUND, FOUND, FOUND, FOUND, N),
    ("motivation:kudos_delete", "POST"):        (L,   N,   FOUND, 403, 403,  FOUND, N),
    # `deal_id` is member's open deal: nobody congratulates on it (the owner never)
    ("motivation:deal_congratulate", "POST"):   (L,   N,   403,  403,  N,    403,  N),
    ("motivation:talk", "GET"):                 (L,   N,   403,  OK,   OK,   OK,   N),
    # `user_id` is member: recognition for everyone (check-ins and 1:1s for their managers)
    ("motivation:person", "GET"):               (L,   N,   OK,   OK,   OK,   OK,   N),
    ("motivation:leaderboard", "GET"):          (L,   N,   OK,   OK,   OK,   OK,   N),
    # evaluations pages: `criterion_id` is acme's "results" criterion (admins change it)
    ("evaluations:criteria", "GET"):            (L,   N,   OK,   OK,   OK,   OK,   N),
    ("evaluations:criteria", "POST"):           (L,   N,   403,  403,  403,  FOUND, N),
    ("evaluations:criterion_edit", "GET"):      (L,   N,   403,  403,  403,  OK,   N),
    ("evaluations:criterion_edit", "POST"):     (L,   N,   403,  403,  403,  FOUND, N),
    # `cycle_id`: a cycle at manager review; `evaluation_id`: manager's draft evaluation of
    # member in it (a draft: only its writer sees it; nobody else even learns it exists)
    ("evaluations:cycles", "GET"):              (L,   N,   OK,   OK,   OK,   OK,   N),
    ("evaluations:cycles", "POST"):             (L,   N,   403,  403,  403,  FOUND, N),
    ("evaluations:cycle_advance", "POST"):      (L,   N,   403,  403,  403,  FOUND, N),
    ("evaluations:cycle_assign_evaluator", "POST"): (L, N,  403,  403,  403,  FOUND, N),
    ("evaluations:cycle_calibration", "GET"):   (L,   N,   403,  OK,   OK,   OK,   N),
    ("evaluations:cycle_export", "GET"):        (L,   N,   403,  403,  403,  OK,   N),
    ("evaluations:evaluation_list", "GET"):     (L,   N,   OK,   OK,   OK,   OK,   N),
    ("evaluations:evaluation_detail", "GET"):   (L,   N,   N,    OK,   N,    N,    N),
    ("evaluations:evaluation_detail", "POST"):  (L,   N,   N,    FOUND, N,   N,    N),
    ("evaluations:evaluation_acknowledge", "POST"): (L, N, N,    403,  N,    N,    N),
    ("evaluations:evaluation_final", "POST"):   (L,   N,   N,    403,  N,    N,    N),
    # next steps into 1:1 action items: the evaluator, once released (a draft: refused)
    ("evaluations:evaluation_action_items", "POST"): (L, N, N,   422,  N,    N,    N),
    # --- API (/api/v1/orgs/<org_slug>/...) ----------------------------------------------
    ("api:organization", "GET"):                (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:organization", "PATCH"):              (401, N,   403,  403,  403,  OK,   N),
    ("api:team-list", "GET"):                   (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:team-list", "POST"):                  (401, N,   403,  403,  403,  CREATED, N),
    ("api:dashboard-team", "GET"):             (401, N,   403,  OK,   403,  OK,   N),
    ("api:team-detail", "GET"):                 (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:team-detail", "PUT"):                 (401, N,   403,  403,  403,  OK,   N),
    ("api:team-detail", "PATCH"):               (401, N,   403,  403,  403,  OK,   N),
    ("api:team-detail", "DELETE"):              (401, N,   403,  403,  403,  NO_CONTENT, N),
    ("api:member-list", "GET"):                 (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:member-list", "POST"):                (401, N,   403,  403,  403,  CREATED, N),
    ("api:member-detail", "GET"):               (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:member-detail", "PATCH"):             (401, N,   403,  403,  403,  OK,   N),
    ("api:domain-list", "GET"):                 (401, N,   403,  403,  403,  OK,   N),
    ("api:domain-list", "POST"):                (401, N,   403,  403,  403,  CREATED, N),
    ("api:domain-detail", "GET"):               (401, N,   403,  403,  403,  OK,   N),
    ("api:domain-detail", "DELETE"):            (401, N,   403,  403,  403,  NO_CONTENT, N),
    ("api:domain-verify", "POST"):              (401, N,   403,  403,  403,  OK,   N),
    # import jobs: the list is the caller's own; a job is its creator's (and admins')
    ("api:import-job-list", "GET"):             (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:import-job-detail", "GET"):           (401, N,   OK,   N,    N,    OK,   N),
    # goals: `goal_id` is member's own goal (other_manager cannot see it); cascade: team's goal
    ("api:metric-list", "GET"):                 (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:metric-list", "POST"):                (401, N,   403,  403,  403,  CREATED, N),
    ("api:metric-detail", "GET"):               (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:goal-list", "GET"):                   (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:goal-list", "POST"):                  (401, N,   403,  CREATED, 403, CREATED, N),
    ("api:goal-detail", "GET"):                 (401, N,   OK,   OK,   N,    OK,   N),
    ("api:goal-detail", "PATCH"):               (401, N,   403,  OK,   N,    OK,   N),
    ("api:goal-detail", "DELETE"):              (401, N,   403,  NO_CONTENT, N, NO_CONTENT, N),
    ("api:goal-cascade", "POST"):               (401, N,   403,  CREATED, N, CREATED, N),
    ("api:goal-breakdown", "GET"):              (401, N,   OK,   OK,   N,    OK,   N),
    ("api:goal-tree", "GET"):                   (401, N,   OK,   OK,   N,    OK,   N),
    # activities: `activity_id` is member's own (other_manager cannot see it: 404)
    ("api:activity-type-list", "GET"):          (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:activity-type-list", "POST"):         (401, N,   403,  403,  403,  CREATED, N),
    ("api:activity-type-detail", "GET"):        (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:activity-type-detail", "PATCH"):      (401, N,   403,  403,  403,  OK,   N),
    ("api:activity-list", "GET"):               (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:activity-list", "POST"):              (401, N,   CREATED, CREATED, CREATED, CREATED, N),
    ("api:activity-detail", "GET"):             (401, N,   OK,   OK,   N,    OK,   N),
    ("api:activity-detail", "PATCH"):           (401, N,   OK,   403,  N,    OK,   N),
    ("api:activity-detail", "DELETE"):          (401, N,   NO_CONTENT, 403, N, NO_CONTENT, N),
    # a CSV of member's rows: only member and admins may import them (others: 400 by line)
    ("api:activity-import", "POST"):            (401, N,   CREATED, 400, 400, CREATED, N),
    ("api:activity-export", "GET"):             (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:stats-activity", "GET"):              (401, N,   OK,   OK,   403,  OK,   N),
    ("api:stats-funnel", "GET"):                (401, N,   403,  OK,   403,  OK,   N),
    # deals API: `deal_id` is member's deal in `team` (other_manager cannot see it: 404);
    # customers are everyone's, stages the admins'; stats ask for `team`'s numbers
    ("api:customer-list", "GET"):               (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:customer-list", "POST"):              (401, N,   CREATED, CREATED, CREATED, CREATED, N),
    ("api:customer-detail", "GET"):             (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:customer-detail", "PATCH"):           (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:customer-contacts", "POST"):          (401, N,   CREATED, CREATED, CREATED, CREATED, N),
    ("api:stage-list", "GET"):                  (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:stage-list", "POST"):                 (401, N,   403,  403,  403,  CREATED, N),
    ("api:stage-detail", "GET"):                (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:stage-detail", "PATCH"):              (401, N,   403,  403,  403,  OK,   N),
    ("api:deal-list", "GET"):                   (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:deal-list", "POST"):                  (401, N,   CREATED, CREATED, CREATED, CREATED, N),
    ("api:deal-detail", "GET"):                 (401, N,   OK,   OK,   N,    OK,   N),
    ("api:deal-detail", "PATCH"):               (401, N,   OK,   OK,   N,    OK,   N),
    ("api:deal-detail", "DELETE"):              (401, N,   NO_CONTENT, 403, N, NO_CONTENT, N),
    ("api:deal-move", "POST"):                  (401, N,   OK,   OK,   N,    OK,   N),
    ("api:deal-history", "GET"):                (401, N,   OK,   OK,   N,    OK,   N),
    ("api:deal-forecast", "POST"):              (401, N,   OK,   OK,   N,    OK,   N),
    ("api:deal-notes", "GET"):                  (401, N,   OK,   OK,   N,    OK,   N),
    ("api:deal-notes", "POST"):                 (401, N,   CREATED, CREATED, N, CREATED, N),
    ("api:deal-import", "POST"):                (401, N,   403,  CREATED, CREATED, CREATED, N),
    ("api:deal-export", "GET"):                 (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:stats-pipeline", "GET"):              (401, N,   403,  OK,   403,  OK,   N),
    ("api:stats-forecast", "GET"):              (401, N,   OK,   OK,   403,  OK,   N),
    ("api:stats-deals", "GET"):                 (401, N,   OK,   OK,   403,  OK,   N),
    # messaging API: `post_id` is member's post to `team`; a daily report for reviews;
    # conversations are private to their participants, admins included
    ("api:post-list", "GET"):                   (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:post-list", "POST"):                  (401, N,   CREATED, CREATED, CREATED, CREATED, N),
    ("api:post-detail", "GET"):                 (401, N,   OK,   OK,   N,    OK,   N),
    ("api:post-detail", "PATCH"):               (401, N,   OK,   403,  N,    403,  N),
    ("api:post-detail", "DELETE"):              (401, N,   NO_CONTENT, 403, N, NO_CONTENT, N),
    ("api:post-comments", "GET"):               (401, N,   OK,   OK,   N,    OK,   N),
    ("api:post-comments", "POST"):              (401, N,   CREATED, CREATED, N, CREATED, N),
    ("api:post-reactions", "POST"):             (401, N,   OK,   OK,   N,    OK,   N),
    ("api:post-reactions", "DELETE"):           (401, N,   OK,   OK,   N,    OK,   N),
    ("api:post-review", "POST"):                (401, N,   403,  OK,   N,    OK,   N),
    ("api:comment-helpful", "POST"):            (401, N,   OK,   403,  N,    403,  N),
    ("api:photo-detail", "GET"):                (401, N,   OK,   OK,   N,    OK,   N),
    ("api:conversation-list", "GET"):           (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:conversation-list", "POST"):          (401, N,   CREATED, CREATED, CREATED, CREATED, N),
    ("api:conversation-messages", "GET"):       (401, N,   OK,   N,    N,    N,    N),
    ("api:conversation-messages", "POST"):      (401, N,   CREATED, N,  N,    N,    N),
    ("api:notification-list", "GET"):           (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:notification-read", "POST"):          (401, N,   OK,   OK,   OK,   OK,   N),
    # motivation API: `checkin_id` is member's check-in this week (peers and other_manager: 404)
    ("api:motivation-settings", "GET"):         (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:motivation-settings", "PATCH"):       (401, N,   403,  403,  403,  OK,   N),
    ("api:checkin-list", "GET"):                (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:checkin-list", "POST"):               (401, N,   CREATED, CREATED, CREATED, CREATED, N),
    ("api:checkin-detail", "GET"):              (401, N,   OK,   OK,   N,    OK,   N),
    ("api:checkin-detail", "PATCH"):            (401, N,   OK,   403,  N,    403,  N),
    ("api:checkin-detail", "DELETE"):           (401, N,   NO_CONTENT, 403, N, 403,  N),
    ("api:one-on-one-list", "GET"):             (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:one-on-one-list", "POST"):            (401, N,   403,  CREATED, 403, CREATED, N),
    ("api:one-on-one-detail", "GET"):           (401, N,   OK,   OK,   N,    OK,   N),
    ("api:one-on-one-detail", "PATCH"):         (401, N,   403,  OK,   N,    403,  N),
    ("api:one-on-one-detail", "DELETE"):        (401, N,   403,  NO_CONTENT, N, 403, N),
    ("api:one-on-one-agenda", "POST"):          (401, N,   CREATED, CREATED, N, 403, N),
    ("api:kudos-list", "GET"):                  (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:kudos-list", "POST"):                 (401, N,   CREATED, CREATED, CREATED, CREATED, N),
    ("api:kudos-detail", "GET"):                (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:kudos-detail", "DELETE"):             (401, N,   NO_CONTENT, 403, 403, NO_CONTENT, N),
    ("api:alerts", "GET"):                      (401, N,   403,  OK,   OK,   OK,   N),
    ("api:leaderboard", "GET"):                 (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:recognition", "GET"):                 (401, N,   OK,   OK,   OK,   OK,   N),
    # evaluations API: `criterion_id` is acme's "results" criterion (admins change it)
    ("api:evaluation-criterion-list", "GET"):   (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:evaluation-criterion-list", "POST"):  (401, N,   403,  403,  403,  CREATED, N),
    ("api:evaluation-criterion-detail", "GET"): (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:evaluation-criterion-detail", "PATCH"): (401, N, 403,  403,  403,  OK,   N),
    ("api:evaluation-cycle-list", "GET"):       (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:evaluation-cycle-list", "POST"):      (401, N,   403,  403,  403,  CREATED, N),
    ("api:evaluation-cycle-detail", "GET"):     (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:evaluation-cycle-advance", "POST"):   (401, N,   403,  403,  403,  OK,   N),
    ("api:evaluation-cycle-assign-evaluator", "POST"): (401, N, 403, 403, 403, OK, N),
    ("api:evaluation-cycle-calibration", "GET"): (401, N, 403,  OK,   OK,   OK,   N),
    ("api:evaluation-list", "GET"):             (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:evaluation-detail", "GET"):           (401, N,   N,    OK,   N,    N,    N),
    ("api:evaluation-detail", "PATCH"):         (401, N,   N,    OK,   N,    N,    N),
    ("api:evaluation-submit", "POST"):          (401, N,   N,    OK,   N,    N,    N),
    ("api:evaluation-acknowledge", "POST"):     (401, N,   N,    403,  N,    N,    N),
    ("api:evaluation-action-items", "POST"):    (401, N,   N,    400,  N,    N,    N),
}
# fmt: on


@dataclass(frozen=True)
class Call:
    """What to send for a row: a payload and, optionally, other objects for URL kwargs."""

    data: Callable[[Cast], dict[str, Any]] = lambda cast: {}
    objects: dict[str, Callable[[Cast], Any]] = field(default_factory=dict)


NEW_PASSWORD = "Vq7-maple-orbit-42"


def _invitee(cast: Cast) -> int:
    """Someone invited into `team` who has not joined yet."""
    invited = services.add_member(actor=cast.admin, email="invitee@example.com", team=cast.team)
    return invited.membership.user_id


def _pending_domain(cast: Cast) -> int:
    """A domain acme has added but not verified yet (its TXT record is published: see below)."""
    return services.add_domain(actor=cast.admin, domain="sales.acme.example").pk


@pytest.fixture(autouse=True)
def _published_txt_records(monkeypatch):
    """Every domain's verification record is published, so verifying one really succeeds."""
    from accounts import dns
    from accounts.models import OrganizationDomain

    def lookup(name: str) -> list[str]:
        return [d.record_value for d in OrganizationDomain.objects.all() if d.record_name == name]

    monkeypatch.setattr(dns, "txt_records", lookup)


def _teammate_with_authenticator(cast: Cast) -> int:
    """`teammate` (in acme only), who has set up an authenticator (a reset removes it)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=cast.teammate.user, name="Authenticator app", confirmed=True)
    return cast.teammate.user_id


def _new_member(cast: Cast) -> dict[str, Any]:
    """A new address on acme's verified domain: admins may set its first password."""
    cast.object_value("domain_id")
    return {
        "email": "newbie@acme.example",
        "name": "Newbie",
        "role": "member",
        "team": cast.team.pk,
        "password": NEW_PASSWORD,
    }


def _org_settings(cast: Cast) -> dict[str, Any]:
    org = cast.org
    return {
        "name": "Acme KK",
        "timezone": org.timezone,
        "week_start": org.week_start,
        "fiscal_year_start_month": org.fiscal_year_start_month,
        "country": org.country,
        "currency": org.currency,
        "stale_deal_days": org.stale_deal_days,
        "language": org.language,
    }


def _new_goal(cast: Cast) -> dict[str, Any]:
    """A goal for `member` (whom `manager` leads and `other_manager` does not)."""
    metric = MetricFactory.create(organization=cast.org, key="calls")
    return {
        "metric": metric.key,
        "scope": "user",
        "user": cast.member.user_id,
        "start": "2026-01-01",
        "end": "2026-01-31",
        "target": "40",
    }


def _new_activity(cast: Cast) -> dict[str, Any]:
    default_types(cast.org)
    return {"type": "call", "quantity": 2, "note": "Follow-up call"}


def _activity_csv(cast: Cast) -> dict[str, Any]:
    """An import file with one row of `member`'s (types created first)."""
    default_types(cast.org)
    day = periods.today(cast.org) - timedelta(days=1)
    text = f"user_email,type,occurred_at,quantity,note\n{cast.member.user.email},call,{day},1,\n"
    return {"file": SimpleUploadedFile("activities.csv", text.encode(), "text/csv")}


def _goal_edit(cast: Cast) -> dict[str, Any]:
    from goals.models import Goal

    goal = Goal.objects.get(pk=cast.object_value("goal_id"))
    return {
        "title": "Renamed",
        "target": "120",
        "start": goal.start.isoformat(),
        "end": goal.end.isoformat(),
        "version": goal.version,
    }


def _team_goal(cast: Cast, *, split: bool = False) -> int:
    """This month's goal of `team` (led by `manager`), optionally split over its members."""
    from goals import services as goal_services
    from salesmgmt import periods

    month = periods.month_of(periods.today(cast.org))
    goal = goal_services.create_goal(
        actor=cast.admin,
        metric=routes.goals_metric(cast),
        scope="team",
        team=cast.team,
        start=month.start,
        end=month.last,
        target=100,
    )
    if split:
        goal_services.cascade_goal(actor=cast.admin, goal=goal, to="members")
    return goal.pk


def _new_team_goal(cast: Cast) -> dict[str, Any]:
    return {
        "metric": routes.goals_metric(cast).pk,
        "scope": "team",
        "team": cast.team.pk,
        "period": "this_month",
        "target": "50",
    }


def _cascade_template(cast: Cast) -> dict[str, Any]:
    from goals.models import CascadeTemplate

    template = CascadeTemplate.objects.create(
        organization=cast.org,
        name="Monthly calls",
        metric=routes.goals_metric(cast),
        scope="team",
        team=cast.team,
        target=100,
        period_kind="month",
        to="members",
        strategy="even",
    )
    return {"template": template.pk, "on": "2030-01-15"}


def _check_in(cast: Cast) -> dict[str, Any]:
    from salesmgmt import periods

    today = periods.today(cast.org).isoformat()
    return {"metric": routes.goals_metric(cast).pk, "date": today, "value": "3"}


def _activity_edit_form(cast: Cast) -> dict[str, Any]:
    """The edit form of member's activity (`activity_id`) with a new quantity."""
    activity = Activity.objects.get(pk=cast.object_value("activity_id"))
    local = activity.occurred_at.astimezone(cast.org.tzinfo)
    return {
        "type": activity.type.key,
        "quantity": "2",
        "occurred_at": local.strftime("%Y-%m-%dT%H:%M"),
        "note": activity.note,
    }


def _new_deal(cast: Cast) -> dict[str, Any]:
    """A deal for `member` (a member's own form has no owner field: it is theirs)."""
    cast.object_value("stage_id")  # the organisation's default stages
    return {
        "title": "Pilot line",
        "customer": cast.object_value("customer_id"),
        "amount": "2500",
        "stage": "lead",
        "owner": cast.member.user_id,
        "term": "short",
        "forecast_category": "pipeline",
    }


def _deals_csv(cast: Cast) -> dict[str, Any]:
    """A one-line import file: the importer's own deal with a new customer."""
    cast.object_value("stage_id")  # the organisation's default stages
    text = "title,customer,amount\nPilot line,Hoshi KK,1200\n"
    return {"file": SimpleUploadedFile("deals.csv", text.encode(), "text/csv")}


def _deal_details(cast: Cast) -> dict[str, Any]:
    return {
        "title": "Fleet renewal, phase 2",
        "customer": cast.object_value("customer_id"),
        "amount": "1000",
        "owner": cast.member.user_id,
        "term": "long",
    }


def _stage_changes(cast: Cast) -> dict[str, Any]:
    prefix = f"stage-{cast.object_value('stage_id')}"
    return {
        f"{prefix}-name": "First contact",
        f"{prefix}-order": 1,
        f"{prefix}-probability": 5,
        f"{prefix}-outcome": "open",
    }


def _api_new_deal(cast: Cast) -> dict[str, Any]:
    """A deal the caller opens for themselves (the organisation's stages built first)."""
    cast.object_value("stage_id")
    return {"title": "Pilot line", "customer": cast.object_value("customer_id"), "amount": 500}


def _api_deal_csv(cast: Cast) -> dict[str, Any]:
    """A one-line deals import: the importer's own deal with a new customer."""
    cast.object_value("stage_id")
    text = "title,customer,amount\nPilot line,Hoshi KK,1200\n"
    return {"file": SimpleUploadedFile("deals.csv", text.encode(), "text/csv")}


def _daily_report_of_member(cast: Cast) -> int:
    """`member`'s daily report for today (to `team`, so `manager` reviews it)."""
    from messaging import services

    report = services.create_post(actor=cast.member, kind="daily_report", body="Good day.")
    return report.pk


def _post_everyone_reacted_to(cast: Cast) -> int:
    """`member`'s post with a 👍 from every cast person (so each may take theirs back)."""
    from messaging.models import Post, Reaction

    post = Post.objects.get(pk=cast.object_value("post_id"))
    people = [cast.member, cast.manager, cast.other_manager, cast.admin, cast.deactivated]
    Reaction.objects.bulk_create([Reaction(post=post, user=m.user, emoji="👍") for m in people])
    return post.pk


def _everyone_has_unread(cast: Cast) -> dict[str, Any]:
    """An unread notification for every cast person, so marking them read changes a row."""
    from messaging.models import Notification

    people = [cast.member, cast.manager, cast.other_manager, cast.admin, cast.deactivated]
    Notification.objects.bulk_create(
        [
            Notification(
                organization=cast.org, recipient=m.user, kind="nudge", event="matrix", excerpt="Hi"
            )
            for m in people
        ]
    )
    return {}


# (URL name, method) -> Call. Rows not listed here send no payload and use OBJECT_KWARGS.
REQUESTS: dict[tuple[str, str], Call] = {
    ("accounts:org_settings", "POST"): Call(_org_settings),
    ("accounts:team_list", "POST"): Call(lambda c: {"name": "Kyoto", "parent": c.team.pk}),
    ("accounts:team_detail", "POST"): Call(
        lambda c: {"name": "Tokyo HQ", "parent": "", "managers": [c.manager.user_id]}
    ),
    # An empty team (manager leads it through `team`): deleting it is allowed for admins.
    ("accounts:team_delete", "POST"): Call(objects={"team_id": lambda c: c.sub_team.pk}),
    ("accounts:member_add", "POST"): Call(_new_member),
    ("accounts:member_detail", "POST"): Call(
        lambda c: {"role": "manager", "team": c.team.pk, "active": "on"}
    ),
    ("accounts:member_resend_invitation", "POST"): Call(objects={"user_id": _invitee}),
    ("accounts:domain_list", "POST"): Call(lambda c: {"domain": "sales.acme.example"}),
    ("accounts:domain_verify", "POST"): Call(objects={"domain_id": _pending_domain}),
    ("accounts:member_mfa_reset", "POST"): Call(objects={"user_id": _teammate_with_authenticator}),
    ("deals:view_save", "POST"): Call(lambda c: {"name": "Stale ones", "query": "stale=yes"}),
    ("deals:deal_import", "POST"): Call(_deals_csv),
    ("deals:deal_create", "POST"): Call(_new_deal),
    ("deals:deal_edit", "POST"): Call(_deal_details),
    ("deals:deal_move", "POST"): Call(lambda c: {"stage": "qualified"}),
    ("deals:deal_forecast", "POST"): Call(
        lambda c: {"forecast_category": "commit", "forecast_note": "Budget approved"}
    ),
    ("deals:note_add", "POST"): Call(lambda c: {"body": "Called the buyer"}),
    ("deals:concern_add", "POST"): Call(lambda c: {"text": "Delivery time"}),
    ("deals:customer_create", "POST"): Call(lambda c: {"name": "Sakura KK"}),
    ("deals:customer_detail", "POST"): Call(lambda c: {"name": "Kaede Trading KK"}),
    ("deals:contact_add", "POST"): Call(lambda c: {"name": "Ms Tanaka"}),
    ("deals:stage_list", "POST"): Call(
        lambda c: {
            "new-key": "demo_done",
            "new-name": "Demo done",
            "new-order": 3,
            "new-probability": 40,
            "new-outcome": "open",
        }
    ),
    ("deals:stage_edit", "POST"): Call(_stage_changes),
    ("activities:my_day", "POST"): Call(_new_activity),
    ("activities:activity_import", "POST"): Call(_activity_csv),
    ("activities:activity_edit", "POST"): Call(_activity_edit_form),
    ("activities:type_list", "POST"): Call(lambda c: {"key": "demo", "name": "Product demo"}),
    ("activities:type_edit", "POST"): Call(
        lambda c: {"name": "Phone call", "funnel_order": "", "active": "on"}
    ),
    ("api:organization", "PATCH"): Call(lambda c: {"name": "Acme KK"}),
    ("api:team-list", "POST"): Call(lambda c: {"name": "Kyoto", "parent": c.team.pk}),
    ("api:team-detail", "PUT"): Call(
        lambda c: {"name": "Tokyo HQ", "parent": None, "managers": [c.manager.user_id]}
    ),
    ("api:team-detail", "PATCH"): Call(lambda c: {"name": "Tokyo HQ"}),
    ("api:team-detail", "DELETE"): Call(objects={"team_id": lambda c: c.sub_team.pk}),
    ("api:member-list", "POST"): Call(_new_member),
    ("api:domain-list", "POST"): Call(lambda c: {"domain": "sales.acme.example"}),
    ("api:domain-verify", "POST"): Call(objects={"domain_id": _pending_domain}),
    ("api:member-detail", "PATCH"): Call(lambda c: {"role": "manager"}),
    ("api:metric-list", "POST"): Call(
        lambda c: {"key": "checkins", "name": "Check-ins", "source": "manual"}
    ),
    ("api:goal-list", "POST"): Call(_new_goal),
    ("api:goal-detail", "PATCH"): Call(lambda c: {"target": "60", "version": 1}),
    ("api:goal-cascade", "POST"): Call(lambda c: {"to": "members"}, {"goal_id": _team_goal}),
    ("api:activity-type-list", "POST"): Call(lambda c: {"key": "demo", "name": "Product demo"}),
    ("api:activity-type-detail", "PATCH"): Call(lambda c: {"name": "Phone call"}),
    ("api:activity-list", "POST"): Call(_new_activity),
    ("api:activity-detail", "PATCH"): Call(lambda c: {"quantity": 2}),
    ("api:activity-import", "POST"): Call(_activity_csv),
    ("api:customer-list", "POST"): Call(lambda c: {"name": "Sakura KK", "industry": "Retail"}),
    ("api:customer-detail", "PATCH"): Call(lambda c: {"name": "Kaede Trading KK"}),
    ("api:customer-contacts", "POST"): Call(lambda c: {"name": "Ms Tanaka", "title": "Buyer"}),
    ("api:stage-list", "POST"): Call(
        lambda c: {"key": "demo", "name": "Demo", "order": 3, "probability": 40, "outcome": "open"}
    ),
    ("api:stage-detail", "PATCH"): Call(lambda c: {"name": "First contact", "probability": 5}),
    ("api:deal-list", "POST"): Call(_api_new_deal),
    ("api:deal-detail", "PATCH"): Call(lambda c: {"next_step": "Send the deck", "amount": "1200"}),
    ("api:deal-move", "POST"): Call(lambda c: {"stage": "qualified"}),
    ("api:deal-forecast", "POST"): Call(
        lambda c: {"forecast_category": "commit", "note": "Signed letter of intent"}
    ),
    ("api:deal-notes", "POST"): Call(lambda c: {"body": "Called the buyer"}),
    ("api:deal-import", "POST"): Call(_api_deal_csv),
    ("goals:goal_create", "POST"): Call(_new_team_goal),
    ("goals:goal_detail", "POST"): Call(_goal_edit),
    ("goals:goal_cascade", "POST"): Call(
        lambda c: {"to": "members", "strategy": "even"}, objects={"goal_id": _team_goal}
    ),
    ("goals:goal_target_edit", "POST"): Call(lambda c: {"target": "80", "version": 1}),
    ("goals:goal_save_template", "POST"): Call(
        lambda c: {"name": "Monthly calls"},
        objects={"goal_id": lambda c: _team_goal(c, split=True)},
    ),
    ("goals:cascade_templates", "POST"): Call(_cascade_template),
    ("goals:metric_create", "POST"): Call(
        lambda c: {"key": "site_visits", "name": "Site visits", "unit": "count", "source": "manual"}
    ),
    ("goals:metric_edit", "POST"): Call(
        lambda c: {"key": "calls", "name": "Phone calls", "unit": "count", "source": "manual"}
    ),
    ("goals:days_off", "POST"): Call(lambda c: {"date": "2030-12-30", "name": "Closed"}),
    ("goals:manual_checkin", "POST"): Call(_check_in),
    ("messaging:post_create", "POST"): Call(
        lambda c: {"kind": "reflection", "body": "First visit went well."}
    ),
    ("messaging:report_create", "POST"): Call(
        lambda c: {"body": "Four visits.", "went_well": "Asked about budget early."}
    ),
    ("messaging:post_edit", "POST"): Call(lambda c: {"body": "Budget first, then price."}),
    ("messaging:comment_add", "POST"): Call(lambda c: {"body": "Well done."}),
    ("messaging:comment_helpful", "POST"): Call(lambda c: {"helpful": "1"}),
    ("messaging:post_react", "POST"): Call(lambda c: {"emoji": "👍"}),
    ("messaging:report_review", "POST"): Call(
        lambda c: {"comment": "Thanks."}, objects={"post_id": _daily_report_of_member}
    ),
    ("messaging:conversation_list", "POST"): Call(
        lambda c: {"participants": [c.teammate.user_id], "body": "Hello"}
    ),
    ("messaging:conversation_detail", "POST"): Call(lambda c: {"body": "See you there."}),
    ("messaging:notification_list", "POST"): Call(_everyone_has_unread),
    ("messaging:notification_settings", "POST"): Call(
        lambda c: {"daily_digest": "on", "kinds": ["comment", "mention"]}
    ),
    ("api:post-list", "POST"): Call(lambda c: {"kind": "reflection", "body": "Good call."}),
    ("api:post-detail", "PATCH"): Call(lambda c: {"body": "Budget first, then price."}),
    ("api:post-comments", "POST"): Call(lambda c: {"body": "Nice one.", "is_advice": False}),
    ("api:post-reactions", "POST"): Call(lambda c: {"emoji": "👍"}),
    ("api:post-reactions", "DELETE"): Call(
        lambda c: {"emoji": "👍"}, objects={"post_id": _post_everyone_reacted_to}
    ),
    ("api:post-review", "POST"): Call(objects={"post_id": _daily_report_of_member}),
    ("api:comment-helpful", "POST"): Call(lambda c: {"helpful": True}),
    ("api:conversation-list", "POST"): Call(lambda c: {"participants": [c.teammate.user_id]}),
    ("api:conversation-messages", "POST"): Call(lambda c: {"body": "See you there."}),
    ("api:notification-read", "POST"): Call(_everyone_has_unread),
    ("motivation:checkins", "POST"): Call(lambda c: {"score": "4", "note": "Good week"}),
    ("motivation:settings", "POST"): Call(
        lambda c: {
            "checkin_weekday": "2",
            "one_on_one_days": "14",
            "leaderboards_enabled": "on",
            "values_text": "teamwork: Teamwork",
        }
    ),
    ("api:motivation-settings", "PATCH"): Call(lambda c: {"one_on_one_days": 14}),
    ("api:checkin-list", "POST"): Call(lambda c: {"score": 4, "note": "Good week"}),
    ("api:checkin-detail", "PATCH"): Call(lambda c: {"score": 5}),
    ("motivation:one_on_ones", "POST"): Call(
        lambda c: {"member": c.member.user_id, "date": "2030-01-10", "agenda": "Targets"}
    ),
    ("motivation:one_on_one_detail", "POST"): Call(
        lambda c: {"date": "2030-01-10", "agenda": "Targets", "shared_notes": "Agreed"}
    ),
    ("motivation:action_item_add", "POST"): Call(
        lambda c: {"text": "Call Aoba", "owner": c.member.user_id}
    ),
    ("motivation:action_item_done", "POST"): Call(lambda c: {"done": "1"}),
    ("motivation:agenda_propose", "POST"): Call(lambda c: {"text": "My targets"}),
    ("api:one-on-one-list", "POST"): Call(lambda c: {"member": c.member.user_id}),
    ("api:one-on-one-detail", "PATCH"): Call(lambda c: {"shared_notes": "Agreed"}),
    ("api:one-on-one-agenda", "POST"): Call(lambda c: {"text": "My targets"}),
    ("motivation:kudos", "POST"): Call(
        lambda c: {"to_user": c.teammate.user_id, "message": "Thanks for the intro"}
    ),
    ("api:kudos-list", "POST"): Call(
        lambda c: {"to_user": c.teammate.user_id, "message": "Thanks for the intro"}
    ),
    ("evaluations:criteria", "POST"): Call(
        lambda c: {"key": "grit", "name": "Grit", "applies_to": "member", "weight": "2"}
    ),
    ("evaluations:criterion_edit", "POST"): Call(
        lambda c: {"key": "results", "name": "Results", "applies_to": "member", "weight": "3"}
    ),
    ("api:evaluation-criterion-list", "POST"): Call(
        lambda c: {"key": "grit", "name": "Grit", "applies_to": "member", "weight": 2}
    ),
    ("api:evaluation-criterion-detail", "PATCH"): Call(lambda c: {"weight": 3}),
    ("evaluations:cycles", "POST"): Call(
        lambda c: {"name": "H2", "start": "2026-10-01", "end": "2027-03-31"}
    ),
    ("evaluations:cycle_advance", "POST"): Call(lambda c: {"to": "calibration"}),
    ("evaluations:cycle_assign_evaluator", "POST"): Call(
        lambda c: {"subject": c.member.user_id, "evaluator": c.other_manager.user_id}
    ),
    ("evaluations:evaluation_detail", "POST"): Call(
        lambda c: {"rating_results": "4", "rating_actions": "3", "comment_results": "On target"}
    ),
    ("evaluations:evaluation_acknowledge", "POST"): Call(lambda c: {"response": "Thanks"}),
    ("evaluations:evaluation_final", "POST"): Call(
        lambda c: {"final_rating": "3", "final_note": "Calibrated"}
    ),
    ("api:evaluation-cycle-list", "POST"): Call(
        lambda c: {"name": "H2", "start": "2026-10-01", "end": "2027-03-31"}
    ),
    ("api:evaluation-cycle-advance", "POST"): Call(lambda c: {"to": "calibration"}),
    ("api:evaluation-cycle-assign-evaluator", "POST"): Call(
        lambda c: {"subject": c.member.user_id, "evaluator": c.other_manager.user_id}
    ),
    ("api:evaluation-detail", "PATCH"): Call(
        lambda c: {"ratings": {"results": 4}, "comments": {"results": "On target"}}
    ),
    ("api:evaluation-acknowledge", "POST"): Call(lambda c: {"response": "Thanks"}),
}

# Models whose rows may change on a refused request: the append-only audit trail records
# denied access (QUALITY S16), so it is not "the database changed".
IGNORED_MODELS: set[str] = {"accounts.AuditEvent"}
# Third-party models holding the product's own data: two-factor devices and recovery codes.
WATCHED_LIBRARY_MODELS: set[str] = {
    "otp_totp.TOTPDevice",
    "otp_static.StaticDevice",
    "otp_static.StaticToken",
}

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
PROBED_PAGE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@pytest.fixture
def cast(request: pytest.FixtureRequest) -> Cast:
    return Cast.from_request(request)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Rate-limit counters live in the cache; every cell must see a fresh budget."""
    cache.clear()


def _actor(cast: Cast, actor: str) -> Any:
    """The membership (or membership-like) the client fixtures sign in as; None = anonymous."""
    return {
        "anonymous": None,
        "deactivated": cast.deactivated,
        "member": cast.member,
        "manager_own": cast.manager,
        "manager_other": cast.other_manager,
        "admin": cast.admin,
        "staff": SimpleNamespace(user=cast.staff),
    }[actor]


def _project_models() -> list[Any]:
    base = str(settings.BASE_DIR)
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if (
            (
                model._meta.app_config.path.startswith(base)
                and "site-packages" not in model._meta.app_config.path
            )
            or model._meta.label in WATCHED_LIBRARY_MODELS
        )
        and model._meta.label not in IGNORED_MODELS
    ]


def _snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of the project's own models (small: the test cast)."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values())
        for model in _project_models()
    }


def _url_for(route: routes.Route, cast: Cast, call: Call) -> str:
    overrides = {kwarg: build(cast) for kwarg, build in call.objects.items()}
    return route.url(cast, overrides=overrides)


def _default_call(name: str, method: str) -> Call:
    """No REQUESTS entry: a GET sends the route's QUERY_PARAMS (tests/routes.py), if any."""
    if method == "GET" and name in routes.QUERY_PARAMS:
        return Call(routes.QUERY_PARAMS[name])
    return Call()


CELLS = [
    (name, method, actor, expected)
    for (name, method), row in MATRIX.items()
    for actor, expected in zip(ACTORS, row, strict=False)
]


@pytest.mark.parametrize(
    ("name", "method", "actor", "expected"),
    CELLS,
    ids=[f"{name}-{method}-{actor}" for name, method, actor, _ in CELLS],
)
def test_each_actor_gets_exactly_the_status_the_matrix_names(
    name, method, actor, expected, cast, client_for, api_for
):
    route = routes.route_named(name)
    assert route is not None, f"MATRIX row for {name} names no route"
    call = REQUESTS.get((name, method)) or _default_call(name, method)
    url = _url_for(route, cast, call)
    data = call.data(cast)
    who = _actor(cast, actor)
    client = api_for(who) if route.kind is Kind.ORG_API else client_for(who)
    before = _snapshot()

    response = routes.send(client, route, method, url, data)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL) + "?next=")
    else:
        assert response.status_code == expected, routes.text(response)[:500]
    if response.status_code >= 300 and expected != FOUND:
        assert _snapshot() == before, "a refused request changed the database"
    elif method in WRITE_METHODS:
        assert _snapshot() != before, "an allowed write changed nothing: fix its REQUESTS payload"


# --- the matrix covers every route and operation ----------------------------------------


def test_every_matrix_row_names_a_status_for_every_actor():
    short = [key for key, row in MATRIX.items() if len(row) != len(ACTORS)]
    assert not short, f"these rows need one status per actor {ACTORS}: {short}"


def test_every_matrix_row_and_request_names_an_org_route():
    org_names = {r.name for r in routes.routes_of(Kind.ORG_PAGE, Kind.ORG_API)}
    stale = sorted({name for name, _ in (*MATRIX, *REQUESTS)} - org_names)
    assert not stale, f"remove these stale rows from MATRIX/REQUESTS: {stale}"
    assert set(REQUESTS) <= set(MATRIX), "every REQUESTS entry needs its MATRIX row"


def test_every_api_operation_in_the_openapi_schema_has_a_matrix_row():
    operations = {
        (route.name, method)
        for path, method in routes.schema_operations()
        if (route := routes.route_for_schema_path(path)) is not None and route.kind is Kind.ORG_API
    }
    missing = sorted(operations - set(MATRIX))
    assert not missing, (
        "add a MATRIX row (status per actor) in tests/test_role_matrix.py for: "
        + ", ".join(f"{name} {method}" for name, method in missing)
    )
    api_rows = {key for key in MATRIX if routes.route_named(key[0]).kind is Kind.ORG_API}
    stale = sorted(api_rows - operations)
    assert not stale, f"these MATRIX rows are not operations of the OpenAPI schema: {stale}"


PAGE_ROUTES = [r for r in routes.routes_of(Kind.ORG_PAGE) if "format" not in r.kwargs and r.name]


@pytest.mark.parametrize("route", PAGE_ROUTES, ids=[r.label for r in PAGE_ROUTES])
def test_every_method_a_page_accepts_has_a_matrix_row(route, cast, client_for):
    client = client_for(cast.admin)
    accepted = set()
    for method in PROBED_PAGE_METHODS:
        with transaction.atomic():
            response = routes.send(client, route, method, route.url(cast))
            transaction.set_rollback(True)
        if response.status_code != 405:
            accepted.add(method)
    rows = {method for name, method in MATRIX if name == route.name}
    missing = sorted(accepted - rows)
    assert not missing, (
        f"add MATRIX rows (status per actor) in tests/test_role_matrix.py for {route.name} "
        f"{missing}"
    )
    stale = sorted(rows - accepted)
    assert not stale, f"{route.name} answers 405 to {stale}: remove those MATRIX rows"
