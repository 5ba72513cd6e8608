"""Feed tokens: created on first use, replaced on request; each change audited."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import record
from messaging.feeds.models import FeedToken, new_key


def token_for(user) -> FeedToken:
    """The user's feed token, made (and audited) the first time they open the feeds page."""
    token = FeedToken.objects.filter(user=user).first()
    if token is not None:
        return token
    try:
        with transaction.atomic():
            token = FeedToken.objects.create(user=user)
            record(user, "feeds.token_create", token)
    except IntegrityError:  # two first visits at once: the other one made it
        token = FeedToken.objects.get(user=user)
    return token


@transaction.atomic
def regenerate_token(user) -> FeedToken:
    """Replace the user's key: the old feed URLs answer 404 from this commit on (a calendar app or reader that
    still has them gets nothing more). The key itself is never written to the audit log."""
    token = FeedToken.objects.select_for_update().filter(user=user).first()
    if token is None:
        token = FeedToken.objects.create(user=user)
    else:
        token.key, token.created_at = new_key(), timezone.now()  # created_at: the key's age
        token.save(update_fields=["key", "created_at"])
    record(user, "feeds.token_regenerate", token)
    return token
