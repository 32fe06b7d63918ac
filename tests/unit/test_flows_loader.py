from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from core.flows import FlowError, load_flows

GOOD = {
    "flows": {
        "freeze": {
            "description": "Freezing a card",
            "intents": ["freeze_card"],
            "auth": "verified",
            "steps": [
                {"id": "which", "collect": "card", "type": "card", "choices": "active_cards", "ask": "Which card?"},
                {"id": "check", "confirm": "Freeze it?", "on_no": "kept"},
                {"id": "do", "action": "freeze_card"},
                {"id": "done", "say": "Frozen.", "next": "END"},
                {"id": "kept", "say": "OK."},
            ],
        }
    }
}


def _write(tmp_path: Path, document: object, name: str = "cards.yml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document) if not isinstance(document, str) else document)
    return path


def test_a_good_flow_loads_with_its_steps(tmp_path):
    flows = load_flows([_write(tmp_path, GOOD)])
    assert [s.id for s in flows["freeze"].steps] == ["which", "check", "do", "done", "kept"]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["flows"]["freeze"]["steps"][1].update(on_no="nowhere"), "step 'check' goes to 'nowhere'"),
        (lambda d: d["flows"]["freeze"]["steps"][0].pop("ask"), "step 'which': ask"),
        (lambda d: d["flows"]["freeze"]["steps"][0].update(type="colour"), "step 'which': type"),
        (lambda d: d["flows"]["freeze"]["steps"].append({"id": "x", "dance": 1}), "step 'x': a step needs one of"),
        (lambda d: d["flows"]["freeze"].update(auth="sort of"), "flow 'freeze': auth"),
        (lambda d: d["flows"]["freeze"]["steps"][2].update(id="check"), "step ids repeat"),
    ],
)
def test_a_bad_flow_names_the_file_the_flow_the_step_and_the_problem(tmp_path, mutate, expected):
    import copy

    document = copy.deepcopy(GOOD)
    mutate(document)
    with pytest.raises(FlowError) as error:
        load_flows([_write(tmp_path, document)])
    assert str(error.value).startswith("cards.yml: ")
    assert expected in str(error.value)


def test_two_flows_cannot_share_a_starting_intent(tmp_path):
    other = {"flows": {"freeze_again": {**GOOD["flows"]["freeze"]}}}
    with pytest.raises(FlowError, match="already starts flow"):
        load_flows([_write(tmp_path, GOOD), _write(tmp_path, other, "more.yml")])


def test_the_shipped_flows_load_and_reference_real_operations():
    from bootstrap import load_flow_files

    flows = load_flow_files()
    assert len(flows) >= 12


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(st.one_of(yaml_values, st.fixed_dictionaries({"flows": st.dictionaries(st.text(max_size=6), yaml_values)})))
def test_any_malformed_flow_file_gives_a_flow_error_never_a_crash(tmp_path_factory, document):
    path = _write(tmp_path_factory.mktemp("flows"), document)
    try:
        load_flows([path])
    except FlowError as error:
        assert str(error).startswith("cards.yml")
