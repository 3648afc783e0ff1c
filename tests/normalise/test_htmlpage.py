"""HTML article pages: story without page clutter, metadata from the page, provider vs agency."""

from datetime import UTC, datetime

from streams.models import to_json
from streams.normalise import normalise

from .conftest import one, raw_of

NAV = ("Skip to main content", "Subscribe", "Sign in", "Newsletters", "Obituaries")
SIDEBARS = ("Most read", "Arctic sees record", "Optical lattice clock", "More from Markets", "Gold hovers", "Yen slips",
            "TSMC November", "Advertisement", "Scroll to continue", "Share on X", "Copy link", "Sign up", "We use cookies",
            "All rights reserved", "Privacy policy", "Accept all")


def test_outlet_republishing_reuters():
    item = one("html/dailycourier-reuters-nikkei.html")
    assert item.format == "html"
    assert item.headline == "Japan's Nikkei closes at record as chip stocks extend rally"
    assert item.source.provider == "The Daily Courier" and item.source.agency == "Reuters"
    assert item.dateline.place == "TOKYO" and item.dateline.agency == "Reuters"
    assert item.byline is None  # "By Reuters" credits the agency, not a person
    assert item.firstcreated == datetime(2025, 12, 5, 7, 12, tzinfo=UTC)  # 16:12 +09:00
    assert item.versioncreated == datetime(2025, 12, 5, 8, 40, tzinfo=UTC)
    assert item.url == item.uri == "https://www.dailycourier.example/business/markets/2025/12/05/japan-nikkei-record-chip-stocks/"
    assert item.language == "en"
    assert item.keywords[:2] == ["Japan", "Stocks"]
    assert item.associations["picture1"].description_text.startswith("A man walks past an electronic board")
    body = item.body_text
    assert body.startswith("TOKYO, Dec 5 (Reuters) - Japan's Nikkei share average closed at a record high on Friday")
    assert body.endswith("(Reporting by Mariko Tanabe; Editing by Rashmi Aich)")
    assert len(body.split("\n\n")) == 7
    for clutter in NAV + SIDEBARS + ("A man walks past",):
        assert clutter.lower() not in body.lower(), clutter


def test_own_story_german_two_authors_no_agency():
    item = one("html/hafenblatt-own-story-de.html")
    assert item.headline == "Hamburger Hafen: Neue Landstromanlage für Kreuzfahrtschiffe geht in Betrieb"
    assert item.byline == "Katrin Vogel and Tobias Brandt"
    assert item.source.provider == "Hafenblatt" and item.source.agency is None
    assert item.language == "de-DE"
    assert item.versioncreated == datetime(2025, 12, 4, 8, 15, tzinfo=UTC)
    assert item.firstcreated == datetime(2025, 12, 4, 5, 30, tzinfo=UTC)
    assert item.description_text.startswith("Am Terminal Steinwerder")
    assert item.body_text.startswith("Hamburg. Im Hamburger Hafen ist am Donnerstag")
    assert item.body_text.endswith("forderten aber eine Pflicht zur Nutzung schon vor 2030.")
    for clutter in ("Lesen Sie auch", "Elbvertiefung", "Anzeige", "Kommentare", "Endlich!", "Meistgelesen", "HSV", "Teilen:", "WhatsApp", "Cookies", "Lesezeit"):
        assert clutter not in item.body_text, clutter


def test_ap_story_microdata_and_hostile_markup():
    item = one("html/valleygazette-ap-venezuela.html")
    assert item.headline == "Venezuela says it will not bow to U.S. pressure"
    assert item.byline == "Regina Garcia Cano"
    assert item.source.agency == "AP" and item.source.provider == "Valley Gazette"
    assert item.dateline.place == "CARACAS" and item.located == "CARACAS, Venezuela"
    assert item.versioncreated == datetime(2025, 12, 4, 20, 15, tzinfo=UTC)  # 3:15 PM -05:00
    assert item.url.endswith("/article_7c1d.html")
    assert item.body_text.startswith("CARACAS, Venezuela (AP) — Venezuela's government said Thursday")
    assert "Tensions between the two countries have risen in recent weeks." in item.body_text
    for clutter in ("Related coverage", "US announces new sanctions", "Caracas on edge", "Most Popular", "cycling lanes",
                    "You May Also Like", "Doctors stunned", "BREAKING", "Winter storm"):
        assert clutter not in item.body_text, clutter
    dumped = to_json(item).decode().lower()
    for bad in ("<script", "javascript:", "onclick", "onerror", "onload", "alert(", "<iframe"):
        assert bad not in dumped


def test_tiny_page_falls_back_to_whole_page_text():
    page = "<html><body><p>PARIS (AFP) - Short.</p></body></html>"
    [item] = normalise(raw_of(page))
    assert item.format == "html" and item.body_text == "PARIS (AFP) - Short." and item.source.agency == "AFP"


def test_html_page_never_fetches_or_expands():
    page = '<!DOCTYPE html [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]><html><body><p>&x;</p></body></html>'
    assert normalise(raw_of(page)).reason == "xml_entities"
    page = '<html><head><link rel="canonical" href="javascript:alert(1)"></head><body><p>BERLIN (dpa) - Text here.</p></body></html>'
    [item] = normalise(raw_of(page))
    assert item.url is None
