from pathlib import Path

import jsonschema
import orjson
import yaml

from streams import contracts
from streams.models import DeadLetter, RawItem, to_json
from streams.routing import all_topic_specs
from streams.topics import TOPICS

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def test_committed_schemas_match_the_models():
    assert contracts.drift(SCHEMAS) == [], "run `wirestream schemas` and commit the result"


def test_asyncapi_describes_every_topic():
    doc = yaml.safe_load((SCHEMAS / "asyncapi.yaml").read_text())
    assert doc["asyncapi"].startswith("3.")
    addresses = {c["address"] for c in doc["channels"].values()}
    # The pipeline's topics and the shipped routes' topics (streams/tagging/data/routes.yaml).
    assert addresses == {t.name for t in all_topic_specs()}
    assert {t.name for t in TOPICS} < addresses
    for channel in doc["channels"].values():
        kafka = channel["bindings"]["kafka"]
        assert kafka["partitions"] >= 1 and kafka["topicConfiguration"]["retention.ms"] > 0
        assert channel["x-key"]


def test_messages_validate_against_their_published_schema():
    raw = RawItem.from_bytes(b"\xff", source="s")
    dead = DeadLetter.for_raw(raw, stage="normalise", reason="empty_payload", message="m")
    for model, name in ((raw, "raw-item"), (dead, "dead-letter")):
        schema = orjson.loads((SCHEMAS / f"{name}.schema.json").read_bytes())
        jsonschema.validate(orjson.loads(to_json(model)), schema)
