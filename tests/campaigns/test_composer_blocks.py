"""Blocks' validation, the one owner of what a block may hold: bounded, https only, known
shows, clear codes; whatever is thrown at it, the answer is a BlockError, never a crash."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns.composer import blocks as B
from campaigns.composer.forms import apply_action, blocks_from_post
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "block, code",
    [
        ({"type": "script"}, "campaigns.block.unknown"),
        ("heading", "campaigns.block.unknown"),
        ({"type": "heading", "text": ""}, "campaigns.block.required"),
        ({"type": "heading", "text": 5}, "campaigns.block.not_text"),
        ({"type": "text", "text": "a\x00b"}, "campaigns.block.not_text"),
        (
            {"type": "button", "label": "Go", "url": "javascript:alert(1)"},
            "campaigns.block.url_not_https",
        ),
        (
            {"type": "button", "label": "Go", "url": "https://" + "a" * 600 + ".fr"},
            "campaigns.block.url_too_long",
        ),
        ({"type": "image", "src": "data:image/png;base64,xx"}, "campaigns.block.url_not_https"),
        (
            {"type": "image", "src": "/media/v_other/campaigns/abcdefgh12.jpg"},
            "campaigns.block.url_not_https",
        ),
        ({"type": "show", "show_id": "12abc"}, "campaigns.block.bad_choice"),
        ({"type": "show", "show_id": 424242}, "campaigns.block.unknown_show"),
        ({"type": "performances", "limit": "0"}, "campaigns.block.bad_number"),
        ({"type": "quotes", "limit": "6"}, "campaigns.block.bad_number"),
    ],
)
def test_bad_blocks_have_a_code_and_a_field(venue_a, block, code):
    with in_venue(venue_a), pytest.raises(B.BlockError) as caught:
        B.clean_block(block, prefix="b-3")
    assert caught.value.code == code
    assert caught.value.field.startswith("b-3")


def test_good_blocks_keep_only_their_fields(venue_a):
    with in_venue(venue_a):
        assert B.clean_block({"type": "divider", "evil": "<b>"}) == {"type": "divider"}
        assert B.clean_block({"type": "performances", "show_id": ""}) == {
            "type": "performances",
            "show_id": None,
            "limit": 6,
        }
        own = f"/media/{venue_a.schema_name}/campaigns/abcdef123456.jpg"
        assert B.clean_block({"type": "image", "src": own})["src"] == own


def test_content_needs_french_and_bounds_the_block_count(venue_a):
    with in_venue(venue_a):
        with pytest.raises(B.BlockError) as caught:
            B.clean_content({"de": {}})
        assert caught.value.code == "campaigns.content.bad_language"
        many = [{"type": "divider"}] * (B.MAX_BLOCKS + 1)
        with pytest.raises(B.BlockError) as caught:
            B.clean_content({"fr": {"subject": "x", "blocks": many}})
        assert caught.value.code == "campaigns.content.too_many_blocks"
        clean = B.clean_content(
            {"fr": {"subject": "x", "blocks": [{"type": "divider"}]}, "en": {"subject": ""}}
        )
        assert set(clean) == {"fr"}  # an empty translation is dropped


def test_markup_is_tiny_and_escaped():
    links = []

    def slot(url, label):
        links.append(url)
        return "{{link:1}}"

    html = B.inline_html("**a** *b* <i>c</i> [d](https://x.fr/a) [e](javascript:x)", slot)
    assert "<strong>a</strong> <em>b</em> &lt;i&gt;c&lt;/i&gt;" in html
    assert '<a href="{{link:1}}">d</a>' in html
    assert "[e](javascript:x)" in html  # not a link: only https
    assert links == ["https://x.fr/a"]
    quoted = B.inline_html('[f](https://x.fr/?q="1")', slot)
    assert "<a" not in quoted and "&quot;" in quoted  # a quote ends an address: plain text
    assert B.inline_text("[go](https://x.fr/a) **now**", slot) == "go ({{link:1}}) now"
    assert B.personalise("Hi {{ first_name }}, {{pixel_url}}") == (
        "Hi{{first_name_spaced}}, {\u200b{pixel_url}}"
    )


def test_editor_actions_move_and_bound():
    blocks = [{"type": "heading"}, {"type": "text"}]
    assert apply_action(blocks, "up:1") == ([{"type": "text"}, {"type": "heading"}], 0)
    assert apply_action(blocks, "down:1") == (blocks, 1)
    assert apply_action(blocks, "remove:9") == (blocks, None)
    assert apply_action(blocks, "add:nope") == (blocks, None)
    assert apply_action(blocks, "remove:0")[0] == [{"type": "text"}]
    assert apply_action([{"type": "divider"}] * B.MAX_BLOCKS, "add:divider")[0].__len__() == 40
    posted = {"b-10-type": "text", "b-10-text": "B", "b-2-type": "heading", "b-2-text": "A"}
    assert blocks_from_post(posted) == [
        {"type": "heading", "text": "A"},
        {"type": "text", "text": "B"},
    ]


values = st.one_of(st.none(), st.integers(), st.text(max_size=60), st.lists(st.integers()))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from([*B.KINDS, "x", ""]),
    fields=st.dictionaries(
        st.sampled_from(["text", "src", "alt", "url", "label", "show_id", "limit", "title"]),
        values,
    ),
)
def test_any_input_is_kept_or_refused_with_a_code(venue_a, kind, fields):
    with in_venue(venue_a):
        try:
            clean = B.clean_block({"type": kind, **fields})
        except B.BlockError as error:
            assert error.code.startswith("campaigns.") and error.field
        else:
            assert clean["type"] == kind
