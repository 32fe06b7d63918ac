import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.sentiment import (
    TRAJECTORY_LENGTH,
    FrustrationPolicy,
    MessageSentiment,
    frustration_rising,
    score_message,
)

# Realistic customer messages, labelled by a person before the lexicon was tuned.
LABELLED_CORPUS: list[tuple[str, str]] = [
    ("not happy at all", "negative"),
    ("thanks that's perfect", "positive"),
    ("我要投诉", "negative"),
    ("谢谢，很好", "positive"),
    ("I lost my card", "neutral"),
    ("what's my balance", "neutral"),
    ("hi can u check my last payment pls", "neutral"),
    ("I want to freeze my card", "neutral"),
    ("how do I make a claim on my travel insurance", "neutral"),
    ("when is my credit card bill due", "neutral"),
    ("ok", "neutral"),
    ("yes", "neutral"),
    ("my postcode is SW1A 1AA", "neutral"),
    ("帮我查一下余额", "neutral"),
    ("我的卡丢了", "neutral"),
    ("麻烦你帮我冻结这张卡", "neutral"),
    ("this is absolutely ridiculous", "negative"),
    ("ur app is useless", "negative"),
    ("third time I've asked and still waiting", "negative"),
    ("im so fed up with this bank", "negative"),
    ("this is a joke, nobody helps", "negative"),
    ("I want to make a complaint", "negative"),
    ("worst service ever!!!", "negative"),
    ("what a waste of time 😡", "negative"),
    ("close my account. NOW", "negative"),
    ("you lot are incompetent, I'm going to the ombudsman", "negative"),
    ("sick of being passed around", "negative"),
    ("this is UNACCEPTABLE", "negative"),
    ("thats a rip off", "negative"),
    ("气死我了，什么垃圾银行", "negative"),
    ("太差了，我很失望", "negative"),
    ("我不开心", "negative"),
    ("等了半天，无语", "negative"),
    ("非常不满意", "negative"),
    ("氣死了，你們是騙子", "negative"),
    ("thanks so much, really helpful", "positive"),
    ("brilliant, all sorted now 👍", "positive"),
    ("cheers mate, appreciate it", "positive"),
    ("thx that was quick", "positive"),
    ("lovely, thank you", "positive"),
    ("感谢，太棒了", "positive"),
    ("非常满意，谢谢", "positive"),
    ("謝謝，我很滿意", "positive"),
    ("great but it's still not sorted", "negative"),
    ("wtf is going on with my account", "negative"),
    ("u guys r uselss", "negative"),
    ("been on hold for ages", "negative"),
    ("my card got declined again", "negative"),
    ("nah still not sorted", "negative"),
    ("omg thank u so much x", "positive"),
    ("ta very much, fab service", "positive"),
    ("can i speak to a real person", "neutral"),
    ("ok thanks bye", "positive"),
    ("这个银行的服务真的好差", "negative"),
    ("I was annoyed at first but you've been really helpful", "positive"),
]


def test_the_labelled_corpus_agrees_at_least_nine_times_in_ten():
    misses = [(text, want, score_message(text)) for text, want in LABELLED_CORPUS if score_message(text).label != want]
    agreement = 1 - len(misses) / len(LABELLED_CORPUS)
    assert agreement >= 0.9, misses


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("not happy at all", "negative"),
        ("thanks that's perfect", "positive"),
        ("我要投诉", "negative"),
        ("谢谢，很好", "positive"),
        ("I lost my card", "neutral"),
        ("what's my balance", "neutral"),
    ],
)
def test_must_pass_messages_get_their_label(text, label):
    assert score_message(text).label == label


def test_negation_flips_a_positive_word():
    assert score_message("happy").label == "positive"
    assert score_message("not happy").label == "negative"
    assert score_message("开心").label == "positive"
    assert score_message("不开心").label == "negative"


def test_a_negator_in_an_earlier_clause_does_not_reach_a_later_one():
    assert score_message("I don't know, thanks").label == "positive"
    assert score_message("no problem, thanks").label == "positive"


def test_politeness_and_apology_words_are_not_read_as_complaints():
    assert score_message("麻烦你帮我查一下").label == "neutral"
    assert score_message("对不起谢谢").label == "positive"


def test_intensifiers_caps_and_exclamations_make_a_message_stronger():
    plain = score_message("this is annoying").score
    assert score_message("this is really annoying").score < plain
    assert score_message("this is ANNOYING").score < plain
    assert score_message("this is annoying!!!").score < plain
    assert score_message("非常满意").score > score_message("满意").score


def test_the_clause_after_but_carries_more_weight():
    assert score_message("great but it's still not sorted").label == "negative"
    assert score_message("it was annoying but you sorted it, thanks").label == "positive"


def test_emoji_carry_sentiment():
    assert score_message("😡").label == "negative"
    assert score_message("🙁").label == "negative"
    assert score_message("😊").label == "positive"
    assert score_message("👍").label == "positive"
    assert score_message("ok :(").label == "negative"


def test_traditional_chinese_forms_are_recognised():
    assert score_message("謝謝").label == "positive"
    assert score_message("氣死").label == "negative"


@given(st.text(max_size=2000))
def test_any_text_scores_within_range_without_raising(text):
    sentiment = score_message(text)
    assert -1.0 <= sentiment.score <= 1.0


def test_huge_and_empty_messages_stay_in_range():
    assert score_message("") == MessageSentiment(score=0.0, label="neutral")
    assert score_message("useless!!! 垃圾 😡 " * 20_000).score >= -1.0
    assert score_message("thanks 谢谢 " * 50_000).score <= 1.0


ESCALATING_CONVERSATION = [
    "ok",
    "this is annoying",
    "this is ridiculous, third time I've asked",
    "absolutely useless, I want to complain",
]


def test_a_conversation_that_keeps_getting_angrier_escalates():
    scores = [score_message(text).score for text in ESCALATING_CONVERSATION]
    assert not frustration_rising(scores[:2])
    assert frustration_rising(scores)


def test_one_mildly_negative_message_does_not_escalate():
    scores = [score_message(text).score for text in ["hi", "my card isn't working"]]
    assert not frustration_rising(scores)


def test_one_furious_message_after_calm_ones_does_not_escalate():
    scores = [0.0, 0.1, 0.0, score_message("this is absolutely useless, worst bank ever!!!").score]
    assert scores[-1] < -0.8
    assert not frustration_rising(scores)
    assert not frustration_rising(scores[-1:])


def test_sustained_strong_negativity_escalates_even_without_a_falling_trend():
    assert frustration_rising([-0.7, -0.7, -0.7])


def test_calming_down_stops_the_worsening_rule():
    assert not frustration_rising([0.0, -0.5, -0.8, 0.4])


def test_thresholds_come_from_the_policy():
    scores = [0.0, -0.4, -0.5]
    assert not frustration_rising(scores)
    assert frustration_rising(scores, FrustrationPolicy(trend_drop=0.3))
    assert frustration_rising(scores, FrustrationPolicy(escalate_at=-0.3))


def test_only_the_last_window_of_scores_is_read():
    old_anger = [-0.9, -0.9, -0.9]
    assert not frustration_rising([*old_anger, 0.2, 0.3, 0.1, 0.2])
    assert TRAJECTORY_LENGTH >= FrustrationPolicy().window


def test_no_scores_means_no_frustration():
    assert not frustration_rising([])
