"""Mechanisms for outlet pages (plain captures and extracted HTML): furniture dropped wherever it
sits, promo links that do not end the story, section headings that do, copyright lines, photo
captions inside the story, agency credit lines, abbreviation-ended headlines and several time
lines in the header."""

from datetime import UTC, datetime

import pytest

from streams.normalise import normalise
from streams.normalise.assemble import Draft
from streams.normalise.plaintext import drop_furniture, is_caption, is_copyright, is_furniture, read_story, trim_clutter

from .conftest import raw_of

LEAD = "LONDON, Dec 2 (Reuters) - The government said on Tuesday that it would raise spending."
P2 = "Officials said the plan would be published next week after talks with unions."
P3 = "The opposition said the measures did not go far enough."


def item(text: str):
    out = normalise(raw_of(text))
    assert isinstance(out, list), out
    return out[0]


@pytest.mark.parametrize(
    "line",
    [
        "Advertisement · Scroll to continue",
        "Share | Tweet | Email",
        "Facebook",
        "Sign up here.",
        "3 min read",
        "Reading time: 4 minutes",
        "Read more: US strikes another alleged drug boat in Caribbean",
        "Related: Spanish rents hit record high in October",
        "© 2025 AFP",
        "©2025 Bloomberg L.P.",
        "Copyright 2025 The Associated Press. All rights reserved. This material may not be published, broadcast, rewritten or redistributed without permission.",
        "Copyright(c) Yonhap News Agency. All rights reserved.",
    ],
)
def test_page_furniture_is_dropped_wherever_it_sits(line):
    assert drop_furniture([LEAD, line, P2]) == [LEAD, P2]


NOTICES = [
    "We use cookies to improve your experience on our site. By continuing to browse, you agree to our use of cookies.",
    "(This story has not been edited by our staff and is auto-generated from a syndicated feed.)",
    "ALL RIGHTS RESERVED © Copyright ANSA",
]


@pytest.mark.parametrize("line", NOTICES)
def test_notices_after_the_story_are_not_story(line):
    assert is_furniture(line)
    assert trim_clutter([LEAD, P2, P3, line]) == [LEAD, P2, P3]
    assert trim_clutter([LEAD, P2, P3, line, "Other headline here"]) == [LEAD, P2, P3]


@pytest.mark.parametrize("line", NOTICES)
def test_notices_above_the_story_are_not_captions(line):
    it = item(f"Headline of the story here\n{line}\nDecember 2, 2025 10:14 AM EST\n{LEAD}\n{P2}\n")
    assert it.associations == {}


def test_a_newsletter_box_inside_the_story_drops_only_its_heading():
    long_para = "The finance ministry said the measures would cost about 2 billion euros a year and would be financed by cuts elsewhere in the budget, officials said."
    body = trim_clutter([LEAD, P2, "Sign up for our Morning Briefing newsletter", long_para, P3])
    assert body == [LEAD, P2, long_para, P3]


def test_a_newsletter_box_at_the_end_ends_the_story():
    body = trim_clutter([LEAD, P2, P3, "Sign up for our newsletter", "Get the day's top stories delivered to your inbox every morning.", "Enter your email"])
    assert body == [LEAD, P2, P3]


@pytest.mark.parametrize(
    "line",
    [
        "Copyright lawsuits against AI companies have multiplied this year, lawyers said.",
        "Read more widely, the report suggests the economy is slowing.",
        "Share prices rose 3% in early trading.",
        "Comments from the ministry were not immediately available.",
    ],
)
def test_story_sentences_that_start_like_furniture_are_kept(line):
    assert drop_furniture([LEAD, line, P2]) == [LEAD, line, P2]
    assert trim_clutter([LEAD, line, P2]) == [LEAD, line, P2]


def test_copyright_shape():
    assert is_copyright("© 2025 Reuters")
    assert is_copyright("(c) Copyright Thomson Reuters 2025.")
    assert not is_copyright("Copyright infringement claims were dismissed by the court in March.")


def test_a_promo_line_inside_the_story_does_not_end_it():
    body = trim_clutter(drop_furniture([LEAD, "Related: Spanish rents hit record high", P2, P3]))
    assert body == [LEAD, P2, P3]


@pytest.mark.parametrize("heading", ["Related:", "Tags", "Tags: Japan, China, diplomacy", "12 Comments", "Comments (3)", "Most Liked", "Keywords"])
def test_section_headings_end_the_story(heading):
    assert trim_clutter([LEAD, P2, heading, "Other story about something else entirely, officials said."]) == [LEAD, P2]


@pytest.mark.parametrize(
    "line",
    [
        "A man walks past a damaged building in Kyiv, Ukraine, Tuesday, Dec. 2, 2025. (AP Photo/Evgeniy Maloletka)",
        "Bank of England Governor Andrew Bailey attends a news conference in London. REUTERS/Toby Melville/File Photo",
        "Spanish Prime Minister Pedro Sánchez during a session in Madrid. EFE/Chema Moya",
        "German Finance Minister Lars Klingbeil speaks in Berlin. Photo: Kay Nietfeld/dpa",
        "South Korean soldiers watch a television news report in Seoul. (Yonhap)",
        "Venezuelan President Nicolas Maduro speaks during a rally in Caracas on December 1 (AFP)",
    ],
)
def test_photo_captions_by_their_credit(line):
    assert is_caption(line)


@pytest.mark.parametrize(
    "line",
    [
        P2,
        "The ministry told AFP the talks would resume on Friday.",
        "Reporting by David Milliken; Editing by Toby Chopra",
        "Sales rose in the U.S./Canada region, the company said.",
    ],
)
def test_story_lines_are_not_captions(line):
    assert not is_caption(line)


def test_a_caption_inside_the_story_goes_to_the_captions():
    caption = "A man walks past a damaged building in Kyiv, Ukraine, Tuesday, Dec. 2, 2025. (AP Photo/Evgeniy Maloletka)"
    d = Draft(format="text")
    assert read_story([LEAD, P2, caption, P3], d) == [LEAD, P2, P3]
    assert d.captions == [caption]


def test_agency_credit_line_is_not_the_headline():
    it = item(f"Japan, China trade barbs over Taiwan remarks at U.N.\nKYODO NEWS\n{LEAD.replace('Reuters', 'Kyodo')}\n{P2}\n")
    assert it.headline == "Japan, China trade barbs over Taiwan remarks at U.N."
    assert it.associations == {}


def test_agency_credit_line_gives_the_agency_without_a_dateline():
    it = item(f"Oil prices steady ahead of OPEC meeting\nBy Reuters\nDecember 2, 2025 10:14 AM EST\n{P2}\n{P3}\n")
    assert it.source.agency == "Reuters"
    assert it.body_text.startswith("Officials said")


def test_published_and_updated_times_give_version_and_first_created():
    it = item(f"Headline of the story here\nPublished: 2 Dec 2025, 07:00 CET | Updated: 2 Dec 2025, 09:45 CET\n{LEAD}\n{P2}\n")
    assert it.versioncreated == datetime(2025, 12, 2, 8, 45, tzinfo=UTC)
    assert it.firstcreated == datetime(2025, 12, 2, 6, 0, tzinfo=UTC)


def test_relative_time_is_neither_headline_nor_time():
    it = item(f"2 hours ago\nDecember 2, 2025 10:14 AM EST\n{LEAD}\n{P2}\n")
    assert it.versioncreated == datetime(2025, 12, 2, 15, 14, tzinfo=UTC)
    assert "2 hours ago" not in (it.headline or "")


def test_html_page_visible_time_line_when_metadata_has_none():
    page = (
        "<html><head><title>Floods kill 20 - Tribune</title></head><body><div class='story'>"
        "<h1>Floods kill 20</h1><p>Updated 10:05 AM EST, December 2, 2025</p>"
        "<p>NAIROBI, Kenya (AP) — Floods caused by days of heavy rain have killed at least 20 people in Kenya, the government said Tuesday.</p>"
        "<p>Rescue teams were searching for people missing after rivers burst their banks in several counties.</p>"
        "<p>The weather service has warned that heavy rains will continue through the end of the week.</p>"
        "</div></body></html>"
    )
    it = item(page)
    assert it.format == "html"
    assert it.versioncreated == datetime(2025, 12, 2, 15, 5, tzinfo=UTC)
    assert it.body_text.startswith("NAIROBI, Kenya (AP) —")
    assert it.source.agency == "AP" and it.dateline.place == "NAIROBI"


def test_joined_agency_credit_line_is_not_the_headline():
    it = item(f"AFP - Agence France Presse\nFrance to host climate talks next year\nBy Jane Doe\n{P2}\n{P3}\n")
    assert it.headline == "France to host climate talks next year"
    assert it.source.agency == "AFP"


def test_a_last_paragraph_with_a_trailing_signoff_token_is_story():
    last = "The ambassador said China welcomed more products from Kenya and other African countries. Enditem"
    assert trim_clutter([LEAD, P2, last, "Previous article", "Uganda launches new railway project"]) == [LEAD, P2, last]
    # a headline with an abbreviation inside stays list-like clutter
    assert trim_clutter([LEAD, P2, "Japan's Nagasaki, Okinawa Make N.Y. Times' 52 Places to Go in 2026"]) == [LEAD, P2]


NAV_PAGE = """Home
World
Business
U.S. President Donald Trump speaks to reporters aboard Air Force One.
REUTERS/Elizabeth Frantz
Reuters
December 6, 2025 11:48 JST
Trump says U.S. will hold talks with Venezuela's opposition
WASHINGTON, Dec 5 (Reuters) – President Donald Trump said on Friday the United States would hold talks with Venezuela's opposition leaders next week.
"We're going to be talking to them," Trump told reporters.
Tensions rise in the Caribbean
Venezuela has denied the accusations.
Reporting by Steve Holland; Editing by Daniel Wallis
Share this:
Click to share on X (Opens in new window)
Like this:
Loading...
Related
Comments are closed.
"""


def test_navigation_above_the_header_and_a_credit_on_its_own_line():
    it = item(NAV_PAGE)
    assert it.headline == "Trump says U.S. will hold talks with Venezuela's opposition"
    assert it.dateline.place == "WASHINGTON" and it.source.agency == "Reuters"
    assert it.versioncreated == datetime(2025, 12, 6, 2, 48, tzinfo=UTC)
    assert it.associations["picture1"].description_text.endswith("aboard Air Force One. REUTERS/Elizabeth Frantz")
    assert it.body_text.startswith("WASHINGTON, Dec 5 (Reuters)")
    assert it.body_text.endswith("Editing by Daniel Wallis")
    assert "Tensions rise in the Caribbean" in it.body_text  # a subheading inside the story stays
    for clutter in ("Home", "Click to share", "Like this", "Loading", "Comments are closed"):
        assert clutter not in it.body_text


def test_a_dateline_deep_in_a_story_does_not_cut_its_beginning():
    para = "The council met on Tuesday and discussed the budget for next year, which includes new spending on schools and roads."
    lines = [para] * 10 + ["BERLIN (dpa) - A second item followed in the same file, officials said on Tuesday evening."]
    it = item("\n".join(lines))
    assert it.body_text.startswith("The council met on Tuesday")


def _page(published: str) -> str:
    return (
        "<!DOCTYPE html><html><head><title>Oil steadies - Tribune</title>"
        f'<meta property="article:published_time" content="{published}"></head><body><article>'
        "<h1>Oil steadies</h1><p>December 2, 2025 10:14 AM EST</p>"
        "<p>NEW YORK, Dec 2 (Reuters) - Oil prices steadied on Tuesday as traders weighed supply risks against weak demand, analysts said.</p>"
        "<p>Brent crude futures were little changed at $63 a barrel by midday in New York, after falling on Monday.</p>"
        "<p>U.S. crude inventories are expected to have fallen last week, a Reuters poll showed.</p>"
        "</article></body></html>"
    )


def test_html_metadata_time_without_zone_gives_way_to_the_zoned_time_line():
    assert item(_page("2025-12-02T10:14:00")).versioncreated == datetime(2025, 12, 2, 15, 14, tzinfo=UTC)


def test_html_metadata_time_with_zone_wins():
    assert item(_page("2025-12-02T15:20:00Z")).versioncreated == datetime(2025, 12, 2, 15, 20, tzinfo=UTC)


def test_author_bio_and_contact_lines_after_the_story_are_not_story():
    page = (
        "Oil steadies as traders weigh supply risks\nBy Jane Doe and JOHN ROE\nDecember 2, 2025 10:14 AM EST\n"
        f"{LEAD}\n{P2}\n{P3}\n___\n"
        "Jane Doe is a correspondent for Example Daily covering energy markets in Europe and Asia.\n"
        "Contact the author: jane.doe@example.com\n"
    )
    it = item(page)
    assert it.body_text.endswith(P3)
    assert "correspondent for Example Daily" not in it.body_text and "@" not in it.body_text


def test_a_last_paragraph_about_someone_else_is_kept():
    last = "Gershkovich is a reporter for the Wall Street Journal who was held in Russia for more than a year."
    it = item(f"Reporter honoured at awards\nBy Jane Doe\nDecember 2, 2025 10:14 AM EST\n{LEAD}\n{P2}\n{last}\n")
    assert it.body_text.endswith(last)


def test_html_time_line_in_a_box_the_extraction_leaves_out():
    page = (
        "<!DOCTYPE html><html><head><title>Japan's economy shrinks | Pacific Post</title></head><body>"
        "<div class='article'><h1>Japan's economy shrinks in third quarter</h1>"
        "<div class='info'><span>By Tetsushi Kajimoto</span> <span>December 2, 2025 at 9:30 AM JST</span></div>"
        "<div class='img-wrap'><div class='caption'>Pedestrians cross a street in Tokyo's Ginza district. REUTERS/Kim Kyung-Hoon</div></div>"
        "<p>TOKYO, Dec 2 (Reuters) - Japan's economy shrank for the first time in six quarters in July-September as U.S. tariffs hit exports, government data showed on Tuesday.</p>"
        "<p>Gross domestic product contracted an annualised 1.8%, compared with economists' median forecast for a 2.5% contraction.</p>"
        "<p>Economists expect the economy to return to growth in the current quarter.</p>"
        "</div></body></html>"
    )
    it = item(page)
    assert it.format == "html"
    assert it.versioncreated == datetime(2025, 12, 2, 0, 30, tzinfo=UTC)
    assert "Ginza" not in it.body_text and it.body_text.startswith("TOKYO, Dec 2 (Reuters)")


@pytest.mark.parametrize("crumbs", ["HOME / WORLD / AFRICA", "News › Asia Pacific", "Home > Business > Markets"])
def test_a_breadcrumb_trail_is_navigation_not_the_headline(crumbs):
    headline = "Floods kill dozens as heavy rain pounds the region"
    found = item(f"{crumbs}\n{headline}\n2 Dec 2025 10:15 GMT\n{LEAD}\n{P2}\n{P3}\n")
    assert found.headline == headline
    assert crumbs not in found.body_text


@pytest.mark.parametrize("headline", ["Tesla shares fall 5% after U.S./China tariff news", "Kenya floods | death toll climbs to 46"])
def test_slashes_and_bars_inside_a_headline_keep_it_a_headline(headline):
    assert item(f"{headline}\n2 Dec 2025 10:15 GMT\n{LEAD}\n{P2}\n{P3}\n").headline == headline
