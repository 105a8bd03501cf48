"""Split a ClinicalTrials.gov eligibility-criteria text into inclusion and exclusion lists.

The registry stores the criteria as one free text: Markdown in API v2
(``* item``, ``1. item``, nested items indented, ``\\<`` escapes), hard-wrapped
plain text in the legacy XML (``-  item`` at column 10, wrapped lines indented
under the item). The rules, in order:

* A **heading** line switches the section: any case, optional qualifiers and a
  tail ("Inclusion Criteria:", "INCLUSION CRITERIA", "Key Exclusion Criteria:",
  "Donor Inclusion Criteria (screening)", "* Exclusion:", "Major Eligibility
  Criteria:"; "eligibility criteria" counts as inclusion). Text after the colon
  on the heading line ("Exclusion Criteria: contra-indication") is an item,
  unless it is a bare enumerator ("1.") or "none".
* A **bulleted or numbered** line (``*``, ``-``, ``•``, ``o``, ``1.``, ``1)``,
  ``(a)``, ``a.``, ``iv.``) starts an item. When it is indented deeper than
  the current top-level item it is a sub-item and is appended to its parent
  (``"parent: child one; child two"``, ";" added where the text has no
  punctuation), so each list entry is one criterion. Only list items adopt
  sub-items: a plain label line keeps the items under it as its own.
* A plain line right after a non-blank line continues the current item
  (the XML wraps lines). A plain paragraph indented deeper than the current
  item belongs to it too. Any other plain paragraph is an item of its own;
  sub-labels such as "Hematopoietic:" or "For parent participants:" are kept as
  items so no text is lost.
* Text **before the first heading**: when the first heading is an exclusion
  heading and no inclusion heading exists, it is the (unlabelled) inclusion
  list; otherwise it is returned as the summary.
* **No heading at all**: every item is an inclusion criterion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~&=^$\"'])")

# One leading list marker: bullets, numbers, letters, roman numerals.
_MARKER = re.compile(
    r"""^(?:
        [*•·▪●◦‣∙o\-–—]\s+ | [*•·▪●◦‣∙\-–—](?=\S)
      | \(?\d{1,3}[.)](?!\d)\s*
      | \([a-zA-Z]\)\s* | [a-zA-Z][.)]\s+
      | \(?(?:i{1,3}|iv|v|vi{1,3}|ix|x)[.)]\s+
      | [①-⑳]\s*
    )""",
    re.VERBOSE,
)

# Words that make a line a sentence about criteria rather than a heading.
_NOT_HEADING_WORDS = frozenset(
    [
        "meet",
        "meets",
        "meeting",
        "met",
        "not",
        "may",
        "must",
        "is",
        "are",
        "be",
        "will",
        "any",
        "the",
        "no",
        "at",
        "before",
        "since",
        "until",
        "apply",
        "applies",
        "applied",
        "was",
        "were",
        "who",
        "which",
        "that",
        "if",
    ]
)

_HEADING = re.compile(
    r"""^(?P<lead>[^:]{0,60}?)
        \b(?P<kind>inclusions?|exclusions?|eligibility)\b
        (?P<tail>[^:]{0,70}?)
        \s*(?::\s*(?P<rest>.*))?$""",
    re.IGNORECASE | re.VERBOSE,
)
# After the keyword: "criteria", then a parenthesis, a qualifier ("for all groups",
# "determined after ...") or a few words naming a group ("Stage 1", "Test Group").
_TAIL = re.compile(
    r"""^\s*(?:
        (?:criteria|criterion|criterions)
        (?:\s*\([^)]*\)|\s+(?:for|prior|determined|after|in|of|during|at)\b.*|(?:\s+[\w/-]+){1,3})?
      | \([^)]*\)
      | (?:\s+(?:for|in|of)\b.*)
    )?\s*\.?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_MORE_VERBS = frozenset({"could", "should", "might", "can", "would", "shall", "has", "have"})
_SECTION_NUMBER = re.compile(r"^(?:[IVX]+|\d+)(?:\.\d+)*\.?\s+")
_MAYBE_HEADING = re.compile(r"^.*(?:clusion|eligib).*$", re.IGNORECASE | re.MULTILINE)
_EMPTY_REST = re.compile(r"^(?:\d{1,3}[.)]?|none\.?|n/?a\.?|not applicable\.?|nil)$", re.I)


@dataclass
class Criteria:
    """The criteria text split into lists; ``summary`` is text before the first heading."""

    inclusion: list[str] = field(default_factory=list)
    exclusion: list[str] = field(default_factory=list)
    summary: str | None = None
    headings: int = 0


def unescape_markdown(text: str) -> str:
    """Drop Markdown backslash escapes (``\\<`` -> ``<``) that API v2 text carries."""
    return _MD_ESCAPE.sub(r"\1", text) if "\\" in text else text


def _clean(text: str) -> str:
    return " ".join(text.split())


def strip_marker(text: str) -> tuple[str, bool]:
    """The text without its list marker(s), and whether it had one."""
    match = _MARKER.match(text)
    if match is None:
        return text, False
    stripped = text[match.end() :]
    # "* 2. Need to ..." carries a second, stale enumerator.
    again = _MARKER.match(stripped)
    if again is not None and stripped[again.end() :].strip():
        return stripped[again.end() :], True
    return stripped, True


def heading_kind(line: str) -> tuple[str, str] | None:
    """``("inclusion"|"exclusion", text after the colon)`` when the line is a heading."""
    lowered = line.lower()
    if "clusion" not in lowered and "eligib" not in lowered:
        return None  # the common case, decided without the regexes
    text, _ = strip_marker(line.strip())
    text = _SECTION_NUMBER.sub("", text)
    if text.startswith("[") and text.endswith("]"):  # "[Inclusion Criteria]"
        text = text[1:-1].strip()
    if len(text) > 140 or not text:
        return None
    match = _HEADING.match(text)
    if match is None:
        return None
    lead, kind, tail = match.group("lead"), match.group("kind").lower(), match.group("tail")
    rest = match.group("rest")
    if rest is None and kind == "eligibility" and "criteri" not in tail.lower():
        return None
    lead_words = re.findall(r"[\w'-]+", lead.lower())
    if len(lead_words) > 5 or _NOT_HEADING_WORDS.intersection(lead_words):
        return None
    if not _TAIL.match(tail):
        return None
    tail_words = set(re.findall(r"[\w'-]+", tail.lower()))
    if _NOT_HEADING_WORDS.intersection(tail_words - {"the", "any", "all", "at", "before"}):
        return None
    if _MORE_VERBS.intersection(tail_words) or _MORE_VERBS.intersection(lead_words):
        return None
    if rest is None and text[0].islower():
        return None  # a wrapped line ending a sentence: "... meets the\n exclusion criterion."
    whole = (lead + " " + tail).lower()
    if ("inclusion" in whole or "exclusion" in whole) and kind != "eligibility":
        return None  # "Inclusion/Exclusion criteria ..." names both: a sentence, not a section
    if rest is None and "criteri" not in tail.lower() and (lead.strip() or tail.strip()):
        return None  # without a colon only "Inclusion" or "... Criteria ..." reads as a heading
    section = "exclusion" if kind.startswith("exclusion") else "inclusion"
    if kind.startswith("inclusion") and re.search(r"\bnon[\s-]*$", lead, re.IGNORECASE):
        section = "exclusion"  # "Non-inclusion criteria" (French protocols) are exclusions
    return section, (rest or "").strip()


# A parent or previous sub-item that already ends in punctuation or a conjunction.
_OPEN_END = re.compile(r"(?:[.:;,!?]|\b(?:or|and))$", re.IGNORECASE)


@dataclass
class _Item:
    text: str
    indent: int
    bulleted: bool = True

    def append(self, more: str) -> None:
        if not more:
            return
        if self.text and not _OPEN_END.search(self.text):
            self.text += ";"
        self.text = f"{self.text} {more}" if self.text else more


@dataclass
class _Section:
    kind: str | None  # None: text before the first heading
    items: list[_Item] = field(default_factory=list)

    def texts(self) -> list[str]:
        return [t for t in (_clean(i.text) for i in self.items) if t]


def split_criteria(text: str | None) -> Criteria:
    """Split an eligibility-criteria text (see the module docstring for the rules)."""
    if not text or not text.strip():
        return Criteria()
    sections: list[_Section] = [_Section(kind=None)]
    current: _Item | None = None
    previous_blank = True
    body_text = unescape_markdown(text.replace("\r\n", "\n"))
    if "\t" in body_text:
        body_text = body_text.expandtabs(4)
    # Few lines can be headings; find them in one pass instead of testing every line.
    maybe_heading = {m.group().strip() for m in _MAYBE_HEADING.finditer(body_text)}
    for line in body_text.split("\n"):
        stripped = line.strip()
        if not stripped:
            previous_blank = True
            continue
        indent = len(line) - len(line.lstrip())
        section = sections[-1]
        heading = heading_kind(stripped) if stripped in maybe_heading else None
        if heading is not None:
            kind, rest = heading
            section = _Section(kind=kind)
            sections.append(section)
            current = None
            if rest and not _EMPTY_REST.match(rest):
                current = _Item(strip_marker(rest)[0], indent, bulleted=False)
                section.items.append(current)
            previous_blank = False
            continue
        body, bulleted = strip_marker(stripped)
        if bulleted:
            top = section.items[-1] if section.items else None
            # Only a list item adopts deeper items; a plain label line ("Hematopoietic:")
            # is followed by its own top-level items, usually indented under it.
            if top is not None and top.bulleted and indent > top.indent:
                top.append(body)
                current = top
            else:
                current = _Item(body, indent)
                section.items.append(current)
        elif current is not None and (not previous_blank or indent > current.indent):
            current.text = f"{current.text} {stripped}" if current.text else stripped
        else:
            current = _Item(stripped, indent, bulleted=False)
            section.items.append(current)
        previous_blank = False
    return _assemble(sections)


def _assemble(sections: list[_Section]) -> Criteria:
    preamble, headed = sections[0], sections[1:]
    result = Criteria(headings=len(headed))
    if not headed:
        result.inclusion = preamble.texts()
        return result
    has_inclusion = any(s.kind == "inclusion" for s in headed)
    if preamble.items and headed[0].kind == "exclusion" and not has_inclusion:
        result.inclusion.extend(preamble.texts())
    elif preamble.items:
        result.summary = " ".join(preamble.texts()) or None
    for section in headed:
        target = result.exclusion if section.kind == "exclusion" else result.inclusion
        target.extend(section.texts())
    return result
