from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from accounts import mfa_views, views
from accounts.forms import LoginForm

app_name = "accounts"

auth_urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(
            success_url=reverse_lazy("accounts:password_change_done")
        ),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        views.ThrottledPasswordResetView.as_view(
            success_url=reverse_lazy("accounts:password_reset_done"),
            email_template_name="registration/password_reset_email.txt",
        ),
        name="password_reset",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("accounts:password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("profile/", views.profile, name="profile"),
    path("mfa/", mfa_views.mfa_manage, name="mfa_manage"),
    path("mfa/setup/", mfa_views.mfa_setup, name="mfa_setup"),
    path("mfa/verify/", mfa_views.mfa_verify, name="mfa_verify"),
    path("mfa/recovery-codes/", mfa_views.mfa_recovery_codes, name="mfa_recovery_codes"),
    path(
        "mfa/recovery-codes/regenerate/",
        mfa_views.mfa_recovery_codes_regenerate,
        name="mfa_recovery_codes_regenerate",
    ),
    path("mfa/disable/", mfa_views.mfa_disable, name="mfa_disable"),
]

org_urlpatterns = [
    path("", views.org_home, name="org_home"),
    path("settings/", views.org_settings, name="org_settings"),
    path("settings/domains/", views.domain_list, name="domain_list"),
    path("settings/domains/<int:domain_id>/verify/", views.domain_verify, name="domain_verify"),
    path("settings/domains/<int:domain_id>/delete/", views.domain_delete, name="domain_delete"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/<int:team_id>/", views.team_detail, name="team_detail"),
    path("teams/<int:team_id>/delete/", views.team_delete, name="team_delete"),
    path("members/", views.member_list, name="member_list"),
    path("members/new/", views.member_add, name="member_add"),
    path("members/<int:user_id>/", views.member_detail, name="member_detail"),
    path(
        "members/<int:user_id>/resend-invitation/",
        views.member_resend_invitation,
        name="member_resend_invitation",
    ),
    path("imports/<int:job_id>/", views.import_job, name="import_job"),
    path("members/<int:user_id>/mfa-reset/", mfa_views.member_mfa_reset, name="member_mfa_reset"),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export/", views.audit_log_export, name="audit_log_export"),
]

urlpatterns = [
    path("accounts/", include(auth_urlpatterns)),
    path("o/<slug:org_slug>/", include(org_urlpatterns)),
]
