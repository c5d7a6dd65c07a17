"""API tokens from environment variables (or `.env`), and their redaction everywhere they could leak.

Tokens never live in sources.yaml. Each adapter names the variables it needs (`NEEDS`); a source
whose variables are unset is skipped with a message that says what to set and where to get it.
Any secret value is replaced by `***` in stored urls, log lines and error messages.
"""

from __future__ import annotations

import base64
import logging
import re
from urllib.parse import quote, quote_plus

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Query parameters that carry credentials in the sources' APIs; their values are always hidden.
SECRET_PARAMS = ("appname", "app_identifier", "key", "email", "access_token", "token", "password",
                 "client_secret", "subscription-key")

#: Where to get each variable, for the message of a skipped source.
WHERE: dict[str, str] = {
    "RELIEFWEB_APPNAME": "request a pre-approved appname at https://apidoc.reliefweb.int/parameters#appname",
    "HDX_HAPI_APP_IDENTIFIER": "make one at https://hapi.humdata.org/docs#/Generate%20App%20Identifier "
                               "(base64 of 'application:email')",
    "UCDP_ACCESS_TOKEN": "request a token from UCDP (https://ucdp.uu.se/apidocs/, since February 2026)",
    "ACLED_EMAIL": "register at https://acleddata.com/register/ (the account's email)",
    "ACLED_PASSWORD": "the password of your ACLED account (OAuth password grant)",
    "IOM_DTM_SUBSCRIPTION_KEY": "subscribe at https://dtm.iom.int/data-and-analysis/dtm-api",
}


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, f"FIGURES_{name}")


class Secrets(BaseSettings):
    """Tokens, read from `NAME` or `FIGURES_NAME` in the environment or `./.env`."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    reliefweb_appname: SecretStr | None = Field(default=None, validation_alias=_env("RELIEFWEB_APPNAME"))
    hdx_hapi_app_identifier: SecretStr | None = Field(default=None, validation_alias=_env("HDX_HAPI_APP_IDENTIFIER"))
    ucdp_access_token: SecretStr | None = Field(default=None, validation_alias=_env("UCDP_ACCESS_TOKEN"))
    acled_email: SecretStr | None = Field(default=None, validation_alias=_env("ACLED_EMAIL"))
    acled_password: SecretStr | None = Field(default=None, validation_alias=_env("ACLED_PASSWORD"))
    iom_dtm_subscription_key: SecretStr | None = Field(default=None, validation_alias=_env("IOM_DTM_SUBSCRIPTION_KEY"))

    def get(self, name: str) -> str | None:
        """The value of variable `name` (e.g. "UCDP_ACCESS_TOKEN"), or None when unset."""
        value = getattr(self, name.lower(), None)
        return value.get_secret_value() if value else None

    def missing(self, names: tuple[str, ...]) -> list[str]:
        """The variables of `names` that are not set."""
        return [n for n in names if not self.get(n)]

    def values(self) -> list[str]:
        """Every secret value that is set (for redaction)."""
        return [v.get_secret_value() for v in (getattr(self, f) for f in type(self).model_fields) if v]


def needs_message(names: list[str]) -> str:
    """Say what to set and where to get it: 'set UCDP_ACCESS_TOKEN (request a token ...)'."""
    return "; ".join(f"set {n} ({WHERE.get(n, 'see the README')})" for n in names)


_PARAM = re.compile(r"(?i)([?&](?:" + "|".join(re.escape(p) for p in SECRET_PARAMS) + r")=)[^&#\s]*")


def _forms(secrets: Secrets | list[str] | None) -> list[str]:
    """Every secret value as written, URL-quoted and in base64, longest first (values under 4 characters left out)."""
    values = secrets.values() if isinstance(secrets, Secrets) else (secrets or [])
    forms = {form for value in values if len(value) >= 4
             for form in (value, quote(value, safe=""), quote_plus(value), base64.b64encode(value.encode()).decode())}
    return sorted(forms, key=len, reverse=True)


def redact(text: str, secrets: Secrets | list[str] | None = None) -> str:
    """Hide credentials in `text`: secret query parameters and every known secret value (also encoded)."""
    out = _PARAM.sub(r"\1***", text)
    for form in _forms(secrets):
        out = out.replace(form, "***")
    return out


def redact_bytes(content: bytes, secrets: Secrets | list[str] | None = None) -> bytes:
    """`content` with every known secret value (also encoded) replaced by `***`, for a response about to be
    stored: ReliefWeb echoes the request url, appname included, in its answer's `href`."""
    for form in _forms(secrets):
        raw = form.encode()
        if raw in content:
            content = content.replace(raw, b"***")
    return content


class RedactingFilter(logging.Filter):
    """A logging filter that redacts every record's message, so no log line carries a token."""

    def __init__(self, secrets: Secrets) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self.secrets)
        record.args = None
        return True
