import threading

from ingest.languages import detect
from ingest.text import normalize, tokenize


def test_normalize_folds_full_width_digits_and_letters():
    assert normalize("第５条　ＡＢＣ") == "第5条 ABC"


def test_normalize_strips_control_characters():
    assert normalize("ごみ\x00の\x07日") == "ごみ の 日"


def test_japanese_tokens_are_content_words_in_normalised_form():
    tokens = tokenize("粗大ゴミの出し方を教えてください")
    assert "粗大" in tokens and "出し方" in tokens
    assert "の" not in tokens and "を" not in tokens


def test_katakana_and_hiragana_spellings_meet_in_the_same_token():
    assert set(tokenize("ゴミ")) == set(tokenize("ごみ"))


def test_english_tokens_are_lower_case_without_stopwords_or_plurals():
    assert tokenize("Where are the Certificates and taxes?") == ["certificate", "tax"]


def test_the_corpus_languages_are_detected_from_the_script():
    assert detect("住民票の写し") == "ja"
    assert detect("resident record") == "en"


def test_tokenize_is_safe_from_many_threads_at_once():
    """The service answers in a thread pool; a Sudachi tokenizer refuses concurrent use."""
    errors: list[Exception] = []
    expected = tokenize("粗大ごみの出し方を教えてください")

    def work() -> None:
        try:
            for _ in range(200):
                assert tokenize("粗大ごみの出し方を教えてください") == expected
        except Exception as error:  # collected, so that the assertion below names it
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
