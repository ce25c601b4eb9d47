"""An account belongs to whoever controls its e-mail address (DESIGN "Tenancy and permissions").

The chain reproduced here was live: organisation B's admin created an account for an address
of organisation A's domain with a password of its choosing, took an API token for it, A
invited the address, the real person reset the password and accepted, and B's old token then
read A's data. Every link of that chain is cut below, each by its own test.
"""

from __future__ import annotations

from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts import services
from accounts.models import Membership, User
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

ATTACKER_PASSWORD = "attacker-chosen-passphrase-1"
OWN_PASSWORD = "the-real-persons-passphrase-2"


def token_for(username: str, password: str) -> str:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def me_with(token: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/v1/me/").status_code


@pytest.fixture
def attacker_org():
    return OrganizationFactory(slug="initech", name="Initech")


@pytest.fixture
def attacker(attacker_org):
    return MembershipFactory(organization=attacker_org, role=Membership.Role.ADMIN)


# --- step 1: nobody sets a password for an address they do not own -------------------------


def test_an_admin_cannot_create_an_account_with_a_password_for_a_foreign_address(api_for, attacker):
    response = api_for(attacker).post(
        "/api/v1/orgs/initech/members/",
        {"email": "cfo.tobe@demo.example", "name": "CFO", "password": ATTACKER_PASSWORD},
        format="json",
    )

    assert response.status_code == 400
    assert "verified domains" in response.json()["password"][0]
    assert not User.objects.filter(email__iexact="cfo.tobe@demo.example").exists()


def test_the_add_member_page_refuses_a_password_for_a_foreign_address(client_for, attacker):
    response = client_for(attacker).post(
        "/o/initech/members/new/",
        {"email": "cfo.tobe@demo.example", "role": "member", "password": ATTACKER_PASSWORD},
    )

    assert response.status_code == 422
    assert "verified domains" in response.content.decode()
    assert not User.objects.filter(email__iexact="cfo.tobe@demo.example").exists()


def test_an_admin_sets_a_first_password_for_a_new_address_on_a_verified_domain(
    api_for, attacker, attacker_org
):
    services.verify_domain_as_operator(org=attacker_org, domain="initech.example")

    response = api_for(attacker).post(
        "/api/v1/orgs/initech/members/",
        {"email": "Peter@Initech.example", "name": "Peter", "password": ATTACKER_PASSWORD},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["active"], body["invited"], body["name"]) == (True, False, "Peter")
    assert token_for("peter@initech.example", ATTACKER_PASSWORD)


def test_an_existing_account_on_an_owned_domain_is_invited_and_keeps_its_password(
    api_for, attacker, attacker_org, password
):
    services.verify_domain_as_operator(org=attacker_org, domain="example.com")
    person = UserFactory(username="milton")  # milton@example.com, with his own password

    response = api_for(attacker).post(
        "/api/v1/orgs/initech/members/",
        {"email": person.email, "name": "Milton", "password": ATTACKER_PASSWORD},
        format="json",
    )

    assert response.status_code == 201
    assert (response.json()["active"], response.json()["invited"]) == (False, True)
    person.refresh_from_db()
    assert person.check_password(password)
    assert not person.check_password(ATTACKER_PASSWORD)


# --- step 5: joining, password changes and resets end every older session and token ---------


@pytest.fixture
def person(org):
    """Someone with their own account (and password) who is not in acme yet."""
    return UserFactory(username="cfo")


def test_accepting_an_invitation_revokes_every_older_token_and_session(admin, person, password):
    stolen = token_for(person.username, password)
    elsewhere = Client()
    elsewhere.force_login(person, backend="accounts.backends.UsernameOrEmailBackend")
    invitation = services.add_member(actor=admin, email=person.email, role="member")
    browser = Client()
    browser.post("/accounts/login/", {"username": person.email, "password": password})

    response = browser.post(f"/accounts/invitations/{invitation.invitation_token}/")

    assert response.status_code == 302
    assert me_with(stolen) == 401
    assert not AuthToken.objects.filter(user=person).exists()
    assert elsewhere.get("/o/acme/").status_code == 302  # signed out: sent to the login page
    assert browser.get("/o/acme/").status_code == 200  # the accepting browser stays in


def test_the_whole_reported_chain_no_longer_reaches_the_inviting_organisation(
    api_for, attacker, admin, password
):
    """B creates nothing; even with a token taken earlier, joining A revokes it."""
    refused = api_for(attacker).post(
        "/api/v1/orgs/initech/members/",
        {"email": "cfo.tobe@demo.example", "password": ATTACKER_PASSWORD},
        format="json",
    )
    assert refused.status_code == 400
    real = UserFactory(username="cfo.tobe", email="cfo.tobe@demo.example")
    old_token = token_for(real.email, password)  # opened before the person joins A
    token = services.add_member(actor=admin, email=real.email, role="admin").invitation_token
    browser = Client()
    browser.force_login(real, backend="accounts.backends.UsernameOrEmailBackend")

    browser.post(f"/accounts/invitations/{token}/")

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {old_token}")
    assert client.get("/api/v1/orgs/acme/").status_code == 401
    assert client.get("/api/v1/orgs/acme/activities/export/").status_code == 401


def test_changing_the_password_revokes_tokens_and_other_sessions_but_keeps_this_one(
    member, password
):
    user = member.user
    token = token_for(user.username, password)
    other = Client()
    other.force_login(user, backend="accounts.backends.UsernameOrEmailBackend")
    browser = Client()
    browser.post("/accounts/login/", {"username": user.username, "password": password})

    response = browser.post(
        "/accounts/password/change/",
        {
            "old_password": password,
            "new_password1": OWN_PASSWORD,
            "new_password2": OWN_PASSWORD,
        },
    )

    assert response.status_code == 302
    assert me_with(token) == 401
    assert other.get("/o/acme/").status_code == 302
    assert browser.get("/o/acme/").status_code == 200


def test_a_password_reset_revokes_every_token_and_session(member, password):
    user = member.user
    token = token_for(user.username, password)
    other = Client()
    other.force_login(user, backend="accounts.backends.UsernameOrEmailBackend")
    browser = Client()
    browser.post("/accounts/password/reset/", {"email": user.email})
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/accounts/reset/" in line)
    form_url = browser.get(link.strip(), follow=True).redirect_chain[-1][0]

    done = browser.post(form_url, {"new_password1": OWN_PASSWORD, "new_password2": OWN_PASSWORD})

    assert done.status_code == 302
    assert me_with(token) == 401
    assert other.get("/o/acme/").status_code == 302
    user.refresh_from_db()
    assert user.check_password(OWN_PASSWORD)


def test_a_password_set_anywhere_else_revokes_tokens_too(member, password):
    """The admin site, `changepassword` and scripts all go through `set_password` + save."""
    token = token_for(member.user.username, password)
    user = User.objects.get(pk=member.user_id)
    stamp = user.session_stamp

    user.set_password(OWN_PASSWORD)
    user.save()

    assert me_with(token) == 401
    user.refresh_from_db()
    assert user.session_stamp != stamp


def test_saving_an_account_without_a_new_password_keeps_its_tokens(member, password):
    token = token_for(member.user.username, password)
    user = User.objects.get(pk=member.user_id)

    user.name = "Sam Renamed"
    user.save()

    assert me_with(token) == 200


def test_reactivating_a_member_revokes_what_was_opened_while_they_were_out(admin, member, password):
    services.update_membership(actor=admin, membership=member, active=False)
    token = token_for(member.user.username, password)  # still signs in: other organisations

    services.update_membership(actor=admin, membership=member, active=True)

    assert me_with(token) == 401


def test_createorg_making_an_existing_account_admin_revokes_its_tokens(person, password):
    token = token_for(person.username, password)

    services.create_organization(slug="newco", name="NewCo", admin_email=person.email)

    assert me_with(token) == 401
    person.refresh_from_db()
    assert person.check_password(password)


# --- the token limit -----------------------------------------------------------------------


def test_at_most_the_token_limit_stays_live_and_the_oldest_go_first(member, password, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 20}
    tokens = [token_for(member.user.username, password) for _ in range(25)]

    assert AuthToken.objects.filter(user=member.user).count() == 20
    assert [me_with(t) for t in tokens[:5]] == [401] * 5
    assert [me_with(t) for t in tokens[-20:]] == [200] * 20


# --- adding a member says nothing about accounts elsewhere ----------------------------------


def test_adding_an_address_answers_the_same_whether_or_not_it_has_an_account(
    api_for, admin, other_org
):
    elsewhere = MembershipFactory(
        organization=other_org, user__username="yuki", user__name="Yuki From Globex"
    ).user
    client = api_for(admin)

    known = client.post(
        "/api/v1/orgs/acme/members/",
        {"email": elsewhere.email, "name": "Yuki", "role": "member"},
        format="json",
    )
    fresh = client.post(
        "/api/v1/orgs/acme/members/",
        {"email": "nobody.yet@example.com", "name": "Nobody", "role": "member"},
        format="json",
    )

    assert known.status_code == fresh.status_code == 201
    shape = {k: v for k, v in known.json().items() if k not in ("id", "email", "name")}
    assert shape == {k: v for k, v in fresh.json().items() if k not in ("id", "email", "name")}
    assert known.json()["name"] == "Yuki"
    assert "Globex" not in known.content.decode()


def test_a_password_for_a_foreign_address_is_refused_alike_with_or_without_an_account(
    api_for, admin, other_org
):
    elsewhere = MembershipFactory(organization=other_org, user__username="kenta").user
    client = api_for(admin)

    answers = [
        client.post(
            "/api/v1/orgs/acme/members/",
            {"email": email, "password": ATTACKER_PASSWORD},
            format="json",
        )
        for email in (elsewhere.email, "nobody.yet@example.com")
    ]

    assert [a.status_code for a in answers] == [400, 400]
    assert answers[0].json() == answers[1].json()


def test_user_ids_do_not_reveal_the_order_accounts_were_created_in(api_for, admin):
    ids = [
        api_for(admin)
        .post("/api/v1/orgs/acme/members/", {"email": f"p{i}@example.com"}, format="json")
        .json()["id"]
        for i in range(8)
    ]

    assert all(2**32 <= i < 2**53 for i in ids)  # integers a JavaScript client reads exactly
    assert ids != sorted(ids)  # random: in creation order only once in 40,320 runs


def test_one_organisations_name_for_someone_never_shows_in_another(
    api_for, client_for, admin, attacker, password
):
    person = UserFactory(username="xavier", name="")
    services.add_member(actor=attacker, email=person.email, name="Initech Calls Him X")
    services.add_member(actor=admin, email=person.email, name="Xavier (Acme)")

    listing = api_for(admin).get("/api/v1/orgs/acme/members/").content.decode()
    detail = api_for(admin).get(f"/api/v1/orgs/acme/members/{person.pk}/").json()
    search = api_for(admin).get("/api/v1/orgs/acme/members/?search=Initech").json()
    page = client_for(admin).get("/o/acme/members/").content.decode()

    assert "Initech Calls Him X" not in listing + page
    assert detail["name"] == "Xavier (Acme)"
    assert search["count"] == 0
    assert not User.objects.filter(name__icontains="Initech").exists()


def test_an_invited_persons_own_name_is_hidden_until_they_join(api_for, admin, other_org, password):
    person = MembershipFactory(
        organization=other_org, user__username="haru", user__name="Haru Private"
    ).user
    token = services.add_member(actor=admin, email=person.email, name="").invitation_token
    client = api_for(admin)

    pending = client.get(f"/api/v1/orgs/acme/members/{person.pk}/").json()
    found = client.get("/api/v1/orgs/acme/members/?search=Private").json()["count"]
    browser = Client()
    browser.force_login(person, backend="accounts.backends.UsernameOrEmailBackend")
    browser.post(f"/accounts/invitations/{token}/")
    joined = client.get(f"/api/v1/orgs/acme/members/{person.pk}/").json()

    assert pending["name"] == person.email
    assert found == 0
    assert joined["name"] == "Haru Private"


def test_a_new_person_chooses_their_own_name_when_accepting(admin):
    result = services.add_member(actor=admin, email="nina@example.com", name="Nina T.")
    page = Client().get(f"/accounts/invitations/{result.invitation_token}/")

    membership = services.accept_invitation(
        token=result.invitation_token, name="Nina Takeda", password=OWN_PASSWORD
    )

    assert 'value="Nina T."' in page.content.decode()
    assert membership.user.name == "Nina Takeda"


# --- password reset is throttled per address and per client IP -----------------------------


def test_password_reset_mails_an_address_at_most_three_times_an_hour_and_says_nothing(member):
    client = Client()
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    answers = [
        client.post("/accounts/password/reset/", {"email": member.user.email}) for _ in range(5)
    ]

    assert [a.status_code for a in answers] == [302] * 5
    assert {a["Location"] for a in answers} == {unknown["Location"]}
    assert len([m for m in mail.outbox if member.user.email in m.to]) == 3


def test_password_reset_from_one_ip_is_refused_past_its_limit(settings, member):
    settings.PASSWORD_RESET_RATE_PER_IP = "5/hour"
    client = Client(REMOTE_ADDR="203.0.113.7")
    answers = [
        client.post("/accounts/password/reset/", {"email": f"someone{i}@example.com"})
        for i in range(6)
    ]
    other_ip = Client(REMOTE_ADDR="198.51.100.2").post(
        "/accounts/password/reset/", {"email": member.user.email}
    )

    assert [a.status_code for a in answers] == [302] * 5 + [429]
    assert "Too many reset requests" in answers[-1].content.decode()
    assert other_ip.status_code == 302
    assert any(member.user.email in m.to for m in mail.outbox)


# --- verified domains ------------------------------------------------------------------------


def test_a_domain_is_verified_when_its_txt_record_holds_the_token(api_for, admin):
    client = api_for(admin)
    added = client.post("/api/v1/orgs/acme/domains/", {"domain": " Acme.Example. "}).json()
    assert (added["domain"], added["verified"]) == ("acme.example", False)
    assert added["record_name"] == "_salesmgmt.acme.example"

    with mock.patch("accounts.dns.txt_records", return_value=["v=spf1 -all"]) as lookup:
        missing = client.post(f"/api/v1/orgs/acme/domains/{added['id']}/verify/")
    with mock.patch("accounts.dns.txt_records", return_value=[added["record_value"]]):
        verified = client.post(f"/api/v1/orgs/acme/domains/{added['id']}/verify/")

    lookup.assert_called_once_with("_salesmgmt.acme.example")
    assert missing.status_code == 400
    assert "No TXT record" in missing.json()["detail"]
    assert verified.status_code == 200
    assert verified.json()["verified"] is True


def test_a_dns_failure_is_reported_as_such_and_verifies_nothing(api_for, admin):
    from accounts import dns

    domain = services.add_domain(actor=admin, domain="acme.example")
    with mock.patch("accounts.dns.txt_records", side_effect=dns.LookupFailed("timeout")):
        response = api_for(admin).post(f"/api/v1/orgs/acme/domains/{domain.pk}/verify/")

    assert response.status_code == 400
    assert "DNS did not answer" in response.json()["detail"]
    domain.refresh_from_db()
    assert domain.verified_at is None


@pytest.mark.parametrize("bad", ["", "not a domain", "localhost", "a..b.com", "x" * 300])
def test_a_malformed_domain_is_refused(api_for, admin, bad):
    response = api_for(admin).post("/api/v1/orgs/acme/domains/", {"domain": bad})

    assert response.status_code == 400
    assert "domain" in response.json()


def test_an_unverified_or_removed_domain_owns_no_address(api_for, admin):
    pending = services.add_domain(actor=admin, domain="acme.example")
    attempt = {"email": "new@acme.example", "password": OWN_PASSWORD}

    while_pending = api_for(admin).post("/api/v1/orgs/acme/members/", attempt)
    services.remove_domain(actor=admin, domain=pending)
    verified = services.verify_domain_as_operator(org=admin.organization, domain="acme.example")
    services.remove_domain(actor=admin, domain=verified)
    after_removal = api_for(admin).post("/api/v1/orgs/acme/members/", attempt)

    assert while_pending.status_code == after_removal.status_code == 400


def test_the_domains_page_shows_the_record_to_publish(client_for, admin):
    services.add_domain(actor=admin, domain="acme.example")

    page = client_for(admin).get("/o/acme/settings/domains/").content.decode()

    assert "_salesmgmt.acme.example" in page
    assert "salesmgmt-domain-verification=" in page


def test_verifying_on_the_page_reports_a_missing_record(client_for, admin):
    domain = services.add_domain(actor=admin, domain="acme.example")
    with mock.patch("accounts.dns.txt_records", return_value=[]):
        response = client_for(admin).post(
            f"/o/acme/settings/domains/{domain.pk}/verify/", follow=True
        )

    assert "No TXT record" in response.content.decode()
    domain.refresh_from_db()
    assert not domain.is_verified


# --- the person's own profile ------------------------------------------------------------------


def test_a_person_changes_their_own_name_and_language(api_for, member):
    response = api_for(member).patch(
        "/api/v1/me/", {"name": "  Sam Sato ", "language": "ja"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["name"], response.json()["language"]) == ("Sam Sato", "ja")
    member.user.refresh_from_db()
    assert (member.user.name, member.user.locale) == ("Sam Sato", "ja")


def test_an_unknown_language_is_refused(api_for, member):
    response = api_for(member).patch("/api/v1/me/", {"language": "xx"}, format="json")

    assert response.status_code == 400
    assert "language" in response.json()


def test_the_profile_page_saves_name_and_language(client_for, member):
    response = client_for(member).post(
        "/accounts/profile/", {"name": "Sam S.", "locale": "en"}, follow=True
    )

    assert "Profile saved." in response.content.decode()
    member.user.refresh_from_db()
    assert member.user.name == "Sam S."
