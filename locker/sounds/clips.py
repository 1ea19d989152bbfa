"""The clips the screen plays, by name, and what each one says (docs/sounds.md).

A door's sentence is a few clips in a row: in English "Door", the door's label, "is open.";
in Chinese the label, then "号柜门已打开。". So an operator who records their own voice
records each phrase once and each label once, not every sentence for every door.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

CHIME = "chime"
LANGUAGES = ("en", "zh")
OPENED = "opened"
FAILED = "failed"
OUT_OF_SERVICE = "out_of_service"
OUTCOMES = (OPENED, FAILED, OUT_OF_SERVICE)
EXTENSION = ".wav"
# A clip's name: the chime, a phrase (lower case) or a door's label, after its language.
NAME = re.compile(r"^(chime|(en|zh)-[a-z_]{1,32}|(en|zh)-[A-Z][0-9]{1,4})$")

# Stands for the door's own clip in a sentence.
LABEL = "label"
# Stands for the phrase that says what happened to the door.
OUTCOME = "outcome"
SENTENCES: dict[str, tuple[str, ...]] = {
    "en": ("door", LABEL, OUTCOME),
    "zh": (LABEL, OUTCOME),
}
PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "door": "Door",
        OPENED: "is open.",
        FAILED: "did not open. Please call for help.",
        OUT_OF_SERVICE: "is out of service. Please call for help.",
    },
    "zh": {
        OPENED: "号柜门已打开。",
        FAILED: "号柜门没有打开，请拨打求助电话。",
        OUT_OF_SERVICE: "号柜门暂停服务，请拨打求助电话。",
    },
}


def phrase_clip(lang: str, phrase: str) -> str:
    """The name of a phrase's clip, e.g. `en-opened`."""
    return f"{lang}-{phrase}"


def label_clip(lang: str, label: str) -> str:
    """The name of a door label's clip, e.g. `zh-A01`."""
    return f"{lang}-{label}"


def spoken_label(lang: str, label: str) -> str:
    """A label as the speech synthesiser should read it: the letter, then digit by digit.

    Written "A01", espeak-ng says "A ten" for A10 in English and "A 十" in Chinese; a door
    number is read as it is printed.
    """
    letter, digits = label[:1], " ".join(label[1:])
    return f"{letter}, {digits}" if lang == "en" else f"{letter} {digits}"


def sentence(lang: str, outcome: str, label: str) -> list[str]:
    """The clips, in order, that say what happened to one door."""
    parts = {LABEL: label_clip(lang, label), OUTCOME: phrase_clip(lang, outcome)}
    return [parts.get(part) or phrase_clip(lang, part) for part in SENTENCES[lang]]


def spoken_clips(labels: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Every spoken clip a cabinet needs, by name: its language and the words it says."""
    wanted: dict[str, tuple[str, str]] = {}
    for lang in LANGUAGES:
        for phrase, words in PHRASES[lang].items():
            wanted[phrase_clip(lang, phrase)] = (lang, words)
        for label in labels:
            wanted[label_clip(lang, label)] = (lang, spoken_label(lang, label))
    return wanted
