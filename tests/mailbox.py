"""An e-mail backend for tests that run real worker processes: one file per message, optionally slow."""

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class OneFilePerMessageBackend(BaseEmailBackend):
    """Writes each message to $TEST_MAILBOX/<recipient>.<uuid>.eml after $TEST_MAIL_DELAY seconds."""

    def send_messages(self, email_messages) -> int:
        folder = Path(os.environ["TEST_MAILBOX"])
        for message in email_messages:
            time.sleep(float(os.environ.get("TEST_MAIL_DELAY", "0")))
            (folder / f"{message.to[0]}.{uuid.uuid4().hex}.eml").write_bytes(message.message().as_bytes())
        return len(email_messages)
