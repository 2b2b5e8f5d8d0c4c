"""Authenticate API clients by the hash of their token (the token itself is never stored)."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from kraftsamla.accounts.models import ApiToken
from kraftsamla.accounts.services import token_hash


class ApiTokenAuthentication(TokenAuthentication):
    """Read "Authorization: Token <token>" and find the user by the token's hash."""

    keyword = "Token"

    def authenticate_credentials(self, key):
        token = ApiToken.objects.select_related("user").filter(key_hash=token_hash(key)).first()
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed
        return token.user, token
