"""The Summarization deployment's settings reaching the summarizer (its class, without Ray or MongoDB)."""

import asyncio

from lexray.settings import Settings, SummarySettings
from serve_app.summarization import Summarization


class CountingLLM:
    """Stands in for the LLMClient: two characters a token, and the samples it was given."""

    def __init__(self) -> None:
        self.samples: list[str] = []

    async def count_tokens(self, text: str) -> int:
        self.samples.append(text)
        return len(text) // 2

    async def chat(self, messages, params):  # never called here
        raise AssertionError("no generation expected")


def test_calibration_chars_bound_the_sample_the_tokens_are_counted_on():
    deployment = object.__new__(Summarization.func_or_class)  # no __init__: no MongoDB
    deployment.llm = CountingLLM()
    text = "The appeal is dismissed with costs. " * 1000
    for calibration_chars, expected in ((None, 20_000), (500, 500)):
        summaries = SummarySettings() if calibration_chars is None else SummarySettings(
            calibration_chars=calibration_chars)
        deployment.settings = Settings(summaries=summaries)
        summarizer = asyncio.run(deployment._summarizer(text))
        assert len(deployment.llm.samples[-1]) == expected and summarizer.chars_per_token == 2.0
        assert summarizer.settings.calibration_chars == expected
