"""How the OpenAPI schema describes the API's session authentication (loaded by the app)."""

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme


class SecondFactorSessionScheme(SessionScheme):
    """The session cookie, as for DRF's SessionAuthentication (which ours extends)."""

    target_class = "accounts.mfa_enforcement.SecondFactorSessionAuthentication"


class PersonLanguageTokenScheme(KnoxTokenScheme):
    """The knox token, as for knox's TokenAuthentication (which ours extends)."""

    target_class = "accounts.language.PersonLanguageTokenAuthentication"
