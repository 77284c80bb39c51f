"""One message's blocks hold at most ~12,000 characters of text: pages() splits a long message
into several, fit() trims one that must stay one, keeping its lead and every button."""

from __future__ import annotations

from bot.slack.block_kit import message_problems
from bot.slack.blocks import BLOCKS_TEXT, actions, button, fit, pages, section, text_length


def _lines(tag: str, n: int, width: int = 90) -> str:
    return "\n".join(f"{tag} {i:03d} ".ljust(width, "x") for i in range(n))


def test_fit_trims_the_last_sections_lines_first_and_keeps_every_button():
    blocks = [section("*Lead*"), *(section(_lines(f"s{k}", 30)) for k in range(6))]
    blocks.append(actions(button("More", "more", "1"), button("Share", "share", "1")))
    assert text_length(blocks) > BLOCKS_TEXT
    fitted = fit(blocks)
    assert message_problems(fitted) == []
    assert BLOCKS_TEXT - 200 < text_length(fitted) <= BLOCKS_TEXT
    assert fitted[0] == blocks[0] and fitted[1] == blocks[1]  # the lead stays whole
    assert fitted[-1] == blocks[-1]  # and the buttons
    last = fitted[-2]["text"]["text"]
    assert last.endswith("more lines: too long for one Slack message._")
    assert fit(blocks[:3]) == blocks[:3]  # a message inside the limit is left alone


def test_pages_split_by_text_as_by_block_count_and_leave_nothing_out():
    blocks = [section(_lines(f"s{k}", 30)) for k in range(9)]  # ~2,730 characters each
    split = pages(blocks)
    assert [len(p) for p in split] == [4, 4, 1]
    assert all(message_problems(p) == [] for p in split)
    assert [b for p in split for b in p] == blocks
    small = [section(f"line {i}") for i in range(120)]
    assert [len(p) for p in pages(small)] == [50, 50, 20]
