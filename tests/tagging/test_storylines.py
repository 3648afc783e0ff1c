"""Storyline rules: the shipped set, rule semantics, and every kind of bad rules file."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from streams.tagging import StorylineRuleError, Tagger
from streams.tagging._lexicon import DATA_DIR

SHIPPED = DATA_DIR / "storylines.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def storylines(tagger, item):
    return {t.code: t for t in tagger.tag(item).storylines}


# ---------------------------------------------------------------------- shipped rules


def test_shipped_rules_load(tagger):
    assert {"venezuela-us-pressure", "russia-ukraine-war", "israel-gaza", "us-china-trade",
            "sudan-war", "iran-nuclear"} <= set(tagger.storylines)


@pytest.mark.parametrize("code, body", [
    ("russia-ukraine-war", "Russia launched drones and missiles at Ukraine overnight; the offensive "
                           "near Pokrovsk continued and shelling hit Kharkiv."),
    ("israel-gaza", "Israel said Hamas must return all hostages under the Gaza ceasefire."),
    ("us-china-trade", "The United States and China agreed a trade truce; tariffs on Chinese goods "
                       "will fall and export controls on rare earths eased."),
    ("sudan-war", "Sudan's army said the Rapid Support Forces shelled El Fasher; Sudanese civilians fled."),
    ("iran-nuclear", "Iran said its uranium enrichment would continue despite IAEA demands."),
])
def test_shipped_rules_match(tagger, item_factory, code, body):
    assert code in storylines(tagger, item_factory(body))


def test_shipped_rules_stay_quiet(tagger, item_factory):
    found = storylines(tagger, item_factory("Venezuela beat Peru 2-1 in a World Cup qualifier in Caracas."))
    assert found == {}
    found = storylines(tagger, item_factory("Russia's central bank held rates; Ukraine was not mentioned."))
    assert "russia-ukraine-war" not in found


# ---------------------------------------------------------------------- semantics


def test_all_any_none_min_count_near_regex(tmp_path, item_factory):
    rules = write(tmp_path, """
        storylines:
          - id: test-rule
            name: Test rule
            all:
              - places: [VE, US]
                match: all
            any:
              - phrases: [sanction*]
                min_count: 2
              - near: [Maduro, Trump]
                within: 5
            none:
              - phrases: ["re:\\\\bbaseball\\\\b"]
    """)
    tagger = Tagger.load(storylines_path=rules)
    assert tagger.storylines == ["test-rule"]
    hit = tagger.tag(item_factory("The U.S. imposed sanctions on Venezuela; more sanctions followed."))
    assert [t.code for t in hit.storylines] == ["test-rule"]
    texts = {e.text for e in hit.storylines[0].evidence}
    assert {"sanctions", "Venezuela"} <= texts
    # One sanction mention is not enough, and Maduro/Trump are too far apart...
    body = "The U.S. imposed sanctions on Venezuela. Nicolas Maduro " + "spoke at length " * 5 + "and Trump replied."
    assert tagger.tag(item_factory(body)).storylines == []
    # ...but close together they satisfy the `near` condition.
    body = "The U.S. imposed sanctions on Venezuela. Nicolas Maduro called Donald Trump."
    assert [t.code for t in tagger.tag(item_factory(body)).storylines] == ["test-rule"]
    # `none` vetoes.
    body = "The U.S. imposed sanctions on Venezuela, more sanctions. A baseball game was played."
    assert tagger.tag(item_factory(body)).storylines == []


def test_tag_conditions_by_name_region_topic(tmp_path, item_factory):
    rules = write(tmp_path, """
        storylines:
          - id: latam-diplomacy
            name: Latin American diplomacy
            all:
              - regions: ["m49:419"]
              - topics: [medtop:20000639]
            any:
              - people: [Nicolas Maduro, person:gustavo-petro]
              - organisations: [Organization of American States]
            min_score: 0.1
    """)
    tagger = Tagger.load(storylines_path=rules)
    body = "Gustavo Petro held talks with the foreign minister; diplomats said negotiations would go on."
    tags = tagger.tag(item_factory(body))
    assert [t.code for t in tags.storylines] == ["latam-diplomacy"]
    assert tags.storylines[0].primary and 0 < tags.storylines[0].score <= 1


def test_min_count_on_mentions(tmp_path, item_factory):
    rules = write(tmp_path, """
        storylines:
          - id: much-peru
            name: Much Peru
            all:
              - places: [PE]
                min_count: 3
    """)
    tagger = Tagger.load(storylines_path=rules)
    assert tagger.tag(item_factory("Peru voted. Peru counted.")).storylines == []
    assert tagger.tag(item_factory("Peru voted. Peru counted. Lima celebrated.")).storylines != []


# ---------------------------------------------------------------------- bad files


def bad(tmp_path, text) -> StorylineRuleError:
    path = write(tmp_path, text)
    with pytest.raises(StorylineRuleError) as info:
        Tagger.load(storylines_path=path)
    err = info.value
    assert str(path) in str(err)
    assert isinstance(err, ValueError)
    return err


RULE_HEAD = """
    storylines:
      - id: ok-rule
        name: OK
        all:
          - places: [VE]
"""


def test_unknown_key(tmp_path):
    err = bad(tmp_path, RULE_HEAD + """
      - id: second
        name: Second
        colour: red
        all:
          - places: [US]
    """)
    # RULE_HEAD is five lines and a blank one; "colour" sits on line 9.
    assert err.line == 9 and "unknown key 'colour'" in err.problem
    assert "line 9" in str(err)


def test_unknown_key_in_a_condition(tmp_path):
    err = bad(tmp_path, RULE_HEAD + """
      - id: second
        name: Second
        any:
          - places: [US]
            mtach: all
    """)
    assert err.line == 11 and "mtach" in err.problem


def test_unknown_country_code(tmp_path):
    err = bad(tmp_path, """
        storylines:
          - id: r
            name: R
            all:
              - places:
                  - VE
                  - XX
    """)
    assert err.line == 7 and "unknown country code 'XX'" in err.problem


def test_norway_is_not_false(tmp_path, item_factory):
    path = write(tmp_path, """
        storylines:
          - id: norway
            name: Norway
            all:
              - places: [NO]
    """)
    tagger = Tagger.load(storylines_path=path)
    assert [t.code for t in tagger.tag(item_factory("Norway's oil fund grew.")).storylines] == ["norway"]


def test_bad_regex(tmp_path):
    err = bad(tmp_path, """
        storylines:
          - id: r
            name: R
            any:
              - phrases: [fine, "re:(unclosed"]
    """)
    assert err.line == 5 and "bad regular expression" in err.problem


def test_empty_rule(tmp_path):
    err = bad(tmp_path, RULE_HEAD + """
      - id: empty
        name: Nothing
        description: no conditions at all
    """)
    assert err.line == 7 and "empty rule" in err.problem


def test_empty_condition_list(tmp_path):
    err = bad(tmp_path, """
        storylines:
          - id: r
            name: R
            all:
              - places: []
    """)
    assert err.line == 5 and "empty places list" in err.problem


def test_condition_with_two_kinds(tmp_path):
    err = bad(tmp_path, """
        storylines:
          - id: r
            name: R
            all:
              - places: [VE]
                topics: [medtop:20000639]
    """)
    assert err.line == 5 and "exactly one of" in err.problem


def test_unknown_topic_person_org_region(tmp_path):
    for snippet, word in [
        ("topics: [medtop:99999999]", "unknown topic"),
        ("people: [Nobody Special]", "unknown person"),
        ("organisations: [Acme Widgets]", "unknown organisation"),
        ("regions: ['m49:999']", "unknown region"),
    ]:
        err = bad(tmp_path, f"""
            storylines:
              - id: r
                name: R
                all:
                  - {snippet}
        """)
        assert err.line == 5 and word in err.problem, (snippet, err)


def test_near_needs_two_terms(tmp_path):
    err = bad(tmp_path, """
        storylines:
          - id: r
            name: R
            any:
              - near: [a, b, c]
    """)
    assert err.line == 5 and "two terms" in err.problem


def test_duplicate_id(tmp_path):
    err = bad(tmp_path, RULE_HEAD + """
      - id: ok-rule
        name: Again
        all:
          - places: [US]
    """)
    assert err.line == 7 and "duplicate storyline id" in err.problem


def test_bad_id_and_missing_name(tmp_path):
    err = bad(tmp_path, """
        storylines:
          - id: Not An Id
            name: R
            all:
              - places: [VE]
    """)
    assert err.line == 2
    err = bad(tmp_path, """
        storylines:
          - id: r
            all:
              - places: [VE]
    """)
    assert err.line == 2 and "missing required key 'name'" in err.problem


def test_yaml_syntax_error(tmp_path):
    err = bad(tmp_path, """
        storylines:
          - id: r
            name: [unclosed
            all: []
    """)
    assert err.line is not None and err.line >= 3 and "invalid YAML" in err.problem


def test_wrong_shapes(tmp_path):
    assert bad(tmp_path, "").line == 1
    assert "mapping" in bad(tmp_path, "- just\n- a list\n").problem
    err = bad(tmp_path, "storylines: 5\n")
    assert err.line == 1


def test_missing_file(tmp_path):
    with pytest.raises(StorylineRuleError) as info:
        Tagger.load(storylines_path=tmp_path / "nope.yaml")
    assert "nope.yaml" in str(info.value) and info.value.line is None


def test_shipped_file_is_valid():
    assert SHIPPED.exists()
    Tagger.load(storylines_path=SHIPPED)
