"""The text/plain rendering of an HTML email."""

from __future__ import annotations

from service.email.plaintext import html_to_text

LINK = "https://signin.example.org/s/study-a?email=alice%40example.org&token=abc"


def test_link_text_is_followed_by_its_address() -> None:
    html = f'<p>Please <a href="{LINK}">sign in</a> now.</p>'
    assert html_to_text(html) == f"Please sign in ({LINK}) now.\n"


def test_escaped_ampersand_in_href_is_decoded() -> None:
    html = f'<a href="{LINK.replace("&", "&amp;")}">Sign in</a>'
    assert html_to_text(html) == f"Sign in ({LINK})\n"


def test_link_whose_text_is_the_address_is_not_repeated() -> None:
    assert html_to_text(f'<a href="{LINK}">{LINK}</a>') == f"{LINK}\n"


def test_link_without_text_keeps_the_address() -> None:
    assert html_to_text(f'<a href="{LINK}"><img src="x.png"></a>') == f"{LINK}\n"


def test_mailto_and_anchor_links_keep_only_their_text() -> None:
    html = '<a href="mailto:help@example.org">Write to us</a> or <a href="#top">go up</a>'
    assert html_to_text(html) == "Write to us or go up\n"


def test_style_head_title_and_script_are_dropped() -> None:
    html = (
        "<html><head><title>The title</title><style>p { color: red; }</style></head>"
        "<body><script>alert(1)</script><p>Visible</p></body></html>"
    )
    text = html_to_text(html)
    assert text == "Visible\n"


def test_paragraphs_become_line_breaks() -> None:
    assert html_to_text("<p>One</p><p>Two</p>") == "One\n\nTwo\n"


def test_br_and_list_items_break_lines() -> None:
    assert html_to_text("first<br>second") == "first\nsecond\n"
    assert html_to_text("<ul><li>a</li><li>b</li></ul>") == "a\n\nb\n"


def test_whitespace_is_collapsed_and_blank_runs_are_limited() -> None:
    html = "<div>  Hello \n\n   world  </div><p></p><p></p><p></p><div>Bye</div>"
    assert html_to_text(html) == "Hello world\n\nBye\n"


def test_character_references_are_decoded() -> None:
    assert html_to_text("<p>Tom &amp; Jerry &lt;3 &quot;x&quot;</p>") == 'Tom & Jerry <3 "x"\n'


def test_empty_html_gives_a_single_newline() -> None:
    assert html_to_text("") == "\n"
