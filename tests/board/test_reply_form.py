"""The thread page's reply form is written out in the template (not crispy-forms, for speed): it must still say
what is wrong in words and keep what was typed."""

import pytest
from django.urls import reverse

from messaging.board.models import BODY_MAX_LENGTH

pytestmark = pytest.mark.django_db


def test_a_refused_reply_says_why_and_keeps_the_text(client, people, board):
    client.force_login(people.member_a)
    typed = "A <b>long</b> story " + "x" * BODY_MAX_LENGTH
    page = client.post(reverse("board:reply", args=[board.approved.pk]), {"body": typed}).content.decode()
    assert f"Ensure this value has at most {BODY_MAX_LENGTH:,} characters".replace(",", "") in page.replace(",", "")
    assert 'class="textarea form-control is-invalid"' in page and 'aria-invalid="true"' in page
    assert "A &lt;b&gt;long&lt;/b&gt; story xxx" in page  # kept, and escaped


def test_an_empty_reply_says_what_to_do(client, people, board):
    client.force_login(people.member_a)
    page = client.post(reverse("board:reply", args=[board.approved.pk]), {"body": ""}).content.decode()
    assert '<p id="error_1_id_body"><strong>Write something before posting.</strong></p>' in page


def test_the_reply_form_matches_the_field(client, people, board):
    client.force_login(people.member_a)
    page = client.get(board.approved.get_absolute_url()).content.decode()
    assert f'name="body" cols="40" rows="6" maxlength="{BODY_MAX_LENGTH}"' in page
    assert '<label for="id_body" class="form-label requiredField">Your reply<span' in page
    assert "No images or HTML." in page
