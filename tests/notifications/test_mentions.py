"""The @mention syntax: display names with underscores for spaces, outside code, ten at most per post."""

from notifications import mentions


def test_mentions_are_read_from_text_and_not_from_code_or_addresses():
    html = ("<p>Ask @Sam_Patel, or @sam_patel_(acme_retail). Mail sam@example.com.</p>"
            "<pre><code>@Not_Me</code></pre><p><code>@Nor_Me</code> but <strong>@Lead_A</strong>!</p>")
    assert mentions.names_in(html) == ["sam patel", "sam patel (acme retail)", "lead a"]


def test_trailing_punctuation_and_brackets_are_not_part_of_the_name():
    assert mentions.names_in("<p>(thanks @Ada_Lovelace) @Ada_Lovelace's @O&#x27;Brien.</p>") == [
        "ada lovelace", "o'brien"]


def test_at_most_ten_names_count():
    html = "<p>" + " ".join(f"@Person_{number}" for number in range(15)) + "</p>"
    assert len(mentions.names_in(html)) == mentions.MAX_MENTIONS


def test_the_handle_is_the_display_name_before_its_bracket():
    assert mentions.handle("Sam Patel (Acme Retail)") == "@Sam_Patel"
    assert mentions.handle("Officer") == "@Officer"
