"""EMAIL_FILE_PATH comes from the environment like the other e-mail settings: the file backend writes there."""

from tests.hub.test_settings import run_python

SEND = """
import django
django.setup()
from django.core.mail import send_mail
send_mail("Subject", "Body", "hub@example.org", ["member@example.org"])
"""


def test_the_file_backend_writes_to_email_file_path_from_the_environment(tmp_path):
    folder = tmp_path / "outgoing"
    result = run_python(SEND, EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                        EMAIL_FILE_PATH=str(folder))
    assert result.returncode == 0, result.stderr
    [message] = folder.iterdir()
    assert "Subject: Subject" in message.read_text()
