from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
import yaml

NLU_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(NLU_DIR))
MODEL_DIR = NLU_DIR / "models" / "nlu"
_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<entity>[^)]+)\)|\{(?P<json>[^}]*)\})")


def read_examples(path: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs of a Rasa NLU file, annotations stripped."""
    pairs = []
    for block in (yaml.safe_load(path.read_text()) or {}).get("nlu", []):
        if "intent" in block:
            for line in block["examples"].splitlines():
                if line.strip().startswith("- "):
                    pairs.append((_ANNOTATION.sub(r"\g<text>", line.strip()[2:]), block["intent"]))
    return pairs


@pytest.fixture(scope="session")
def model():
    from bank_nlu.model import NluModel

    if not MODEL_DIR.is_dir():
        pytest.fail("No trained model: run `make train` (make test does)")
    return NluModel.load(MODEL_DIR)


@pytest.fixture(scope="session")
def handler_module():
    os.environ["NLU_MODEL_PATH"] = str(MODEL_DIR)
    import handler

    return handler
