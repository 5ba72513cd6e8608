import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

# 32 random bytes: 43 URL-safe characters, which nobody guesses.
KEY_BYTES = 32


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


class FeedToken(models.Model):
    """The secret in a user's private feed URLs. A calendar app or feed reader cannot sign in, so whoever holds
    the URL reads the feed: regenerating replaces the key, and the old URLs answer 404 at once. The key is
    stored as it is (not hashed) because the settings page must show the URLs again."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_token")
    key = models.CharField(max_length=64, unique=True, default=new_key)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Feed token of {self.user}"  # never the key: this string goes into the audit log
