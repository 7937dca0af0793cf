"""Built-in decision templates and the marking of a copy's title.

Plain data and plain functions (no Flask, no IO). Each template is written in
both content languages (:data:`~cop_vote.domain.languages.LANGUAGES`); a draft
made from it is written in the facilitator's language with the other language
as its translation (``services/decision_copies.py``).

The templates come from the Community of Practice's own first decisions: the
kick-off of 4 December 2009 chose a form for the cooperation among the four
options of its report, the 2010 learning agenda was prioritised with dots, a
follow-up meeting needed a date, and research proposals went round for
feedback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .languages import LANGUAGES

#: The word that marks a duplicated decision's title, per content language.
COPY_MARK: dict[str, str] = {"nl": "kopie", "en": "copy"}


def copy_title(title: str, language: str, max_length: int = 300) -> str:
    """``title`` marked as a copy in ``language``: ``"Title (copy)"``.

    The title is shortened (with an ellipsis) so that the marked title fits in
    ``max_length`` characters.
    """
    mark = f" ({COPY_MARK.get(language, COPY_MARK['en'])})"
    room = max_length - len(mark)
    if len(title) > room:
        title = title[: room - 1].rstrip() + "…"
    return title + mark


@dataclass(frozen=True)
class Template:
    """A built-in decision template.

    :param key: its name in URLs and the API.
    :param method: the decision method (``domain.ballots.METHODS``).
    :param texts: ``{language: {"title": ..., "description": ..., "hint": ...}}``;
        ``hint`` says on the new-decision page what the template is for.
    :param options: per option ``{language: {"label": ..., "description": ...}}``.
    :param rules: further decision fields (``counting``, ``dots``, ``comments``...).
    """

    key: str
    method: str
    texts: Mapping[str, Mapping[str, str]]
    options: tuple[Mapping[str, Mapping[str, str]], ...] = ()
    rules: Mapping[str, Any] = field(default_factory=dict)

    def decision_body(self, language: str) -> dict[str, Any]:
        """The decision body (API.md, "Decisions") of a draft written in
        ``language``, with every other language as translation."""
        others = [lang for lang in LANGUAGES if lang != language]
        texts = self.texts[language]
        body: dict[str, Any] = {
            "title": texts["title"],
            "description": texts["description"],
            "method": self.method,
            "original_language": language,
            "translations": {
                lang: {k: self.texts[lang][k] for k in ("title", "description")} for lang in others
            },
            "options": [
                {
                    "label": option[language]["label"],
                    "description": option[language].get("description", ""),
                    "translations": {lang: dict(option[lang]) for lang in others},
                }
                for option in self.options
            ],
        }
        body.update(self.rules)
        return body


def _option(nl: str, en: str, nl_text: str = "", en_text: str = "") -> dict[str, dict[str, str]]:
    return {
        "nl": {"label": nl, "description": nl_text},
        "en": {"label": en, "description": en_text},
    }


TEMPLATES: tuple[Template, ...] = (
    Template(
        key="cooperation_form",
        method="ranked",
        texts={
            "nl": {
                "title": "Kies een vorm voor de samenwerking",
                "description": (
                    "Welke vorm geven we de samenwerking op migratie en ontwikkeling? "
                    "Zet de vier vormen uit het verslag van de startbijeenkomst (2009) "
                    "in de volgorde van je voorkeur."
                ),
                "hint": "Rangschik de vier vormen uit het verslag van 2009.",
            },
            "en": {
                "title": "Choose a form for the cooperation",
                "description": (
                    "Which form do we give the cooperation on migration and development? "
                    "Put the four forms of the kick-off report (2009) in the order of "
                    "your preference."
                ),
                "hint": "Rank the four forms of the 2009 report.",
            },
        },
        options=(
            _option(
                "Aansluiten bij het MOS-overleg",
                "Join the MOS consultation",
                "Meedoen in het bestaande overleg over migratie en ontwikkelingssamenwerking.",
                "Take part in the existing consultation on migration and development.",
            ),
            _option(
                "Aanhaken bij het Kenniscentrum Migratie en Ontwikkeling",
                "Link up with the Knowledge Centre on Migration and Development",
                "De kennis en activiteiten onderbrengen bij het kenniscentrum.",
                "Bring the knowledge and activities under the Knowledge Centre.",
            ),
            _option(
                "Een zelfstandige Community of Practice",
                "A standalone Community of Practice",
                "Een eigen netwerk met een eigen leeragenda.",
                "A network of its own with its own learning agenda.",
            ),
            _option(
                "Een taskforce",
                "A taskforce",
                "Een kleine groep met een tijdelijke opdracht.",
                "A small group with a temporary assignment.",
            ),
        ),
        rules={"counting": "irv"},
    ),
    Template(
        key="learning_questions",
        method="dot_vote",
        texts={
            "nl": {
                "title": "Prioriteer de leervragen",
                "description": (
                    "Verdeel je stippen over de leervragen die je organisatie het "
                    "belangrijkst vindt voor de leeragenda."
                ),
                "hint": "Verdeel stippen over leervragen (de leeragenda van 2010).",
            },
            "en": {
                "title": "Prioritise the learning questions",
                "description": (
                    "Spread your dots over the learning questions your organisation "
                    "finds most important for the learning agenda."
                ),
                "hint": "Spread dots over learning questions (the 2010 learning agenda).",
            },
        },
        options=(
            _option(
                "Hoe werken migrantenorganisaties en ontwikkelingsorganisaties samen?",
                "How do migrant organisations and development organisations work together?",
            ),
            _option(
                "Hoe versterken we organisaties in de landen van herkomst?",
                "How do we strengthen organisations in the countries of origin?",
            ),
            _option(
                "Hoe meten we wat de samenwerking oplevert?",
                "How do we measure what the cooperation achieves?",
            ),
        ),
        rules={"dots": 3},
    ),
    Template(
        key="meeting_date",
        method="meeting_time",
        texts={
            "nl": {
                "title": "Kies een datum voor de volgende bijeenkomst",
                "description": ("Geef per tijdvak aan of je organisatie kan: ja, desnoods of nee."),
                "hint": "Tijdvakken met ja, desnoods of nee; voeg de tijdvakken zelf toe.",
            },
            "en": {
                "title": "Find a date for the next meeting",
                "description": (
                    "Say for each time slot whether your organisation can come: "
                    "yes, if need be, or no."
                ),
                "hint": "Time slots with yes, if need be or no; add the slots yourself.",
            },
        },
    ),
    Template(
        key="feedback_round",
        method="discussion",
        texts={
            "nl": {
                "title": "Feedbackronde op een document",
                "description": (
                    "Lees het document en geef je reactie in de opmerkingen, bij het "
                    "geheel of bij een onderdeel."
                ),
                "hint": "Geen stemming, alleen opmerkingen; voeg de link naar het document toe.",
            },
            "en": {
                "title": "A feedback round on a document",
                "description": (
                    "Read the document and give your response in the comments, on the "
                    "whole or on one part."
                ),
                "hint": "No ballot, comments only; add the link to the document.",
            },
        },
    ),
)


def find_template(key: str) -> Template | None:
    """The built-in template named ``key``, or ``None``."""
    return next((t for t in TEMPLATES if t.key == key), None)
