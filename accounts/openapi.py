"""How the OpenAPI schema describes the API's session authentication (loaded by the app)."""

from drf_spectacular.authentication import SessionScheme


class SecondFactorSessionScheme(SessionScheme):
    """The session cookie, as for DRF's SessionAuthentication (which ours extends)."""

    target_class = "accounts.mfa_enforcement.SecondFactorSessionAuthentication"
