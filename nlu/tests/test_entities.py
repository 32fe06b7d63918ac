import pytest


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("pay £120 off my credit card", "amount", "£120"),
        ("send 50 euros to my sister", "currency", "EUR"),
        ("I was charged twice yesterday", "date", "yesterday"),
        ("freeze the card ending 4242", "card_last_four", "4242"),
        ("I don't recognise a payment to Netflix", "merchant", "Netflix"),
        ("what's happening with claim CLM-204518", "claim_number", "CLM-204518"),
        ("how much is in my savings account", "account_type", "savings"),
        ("balance of my current account please", "account_type", "checking"),
    ],
)
def test_each_entity_type_is_extracted_and_normalised(model, text, entity, value):
    found = [(e["entity"], e["value"]) for e in model.parse(text)["entities"]]
    assert (entity, value) in found


def test_entity_offsets_point_at_the_text(model):
    text = "dispute the Amazon charge of £45.99 from Monday"
    for e in model.parse(text)["entities"]:
        assert text[e["start"] : e["end"]].lower() in {e["value"].lower(), text[e["start"] : e["end"]].lower()}
