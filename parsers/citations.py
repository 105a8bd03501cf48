"""Citation markers in page text: ``<sup>`` numbers and digits glued after a sentence.

Listing pages print reference numbers right after a sentence. Extracted to
text they run together: "observational study.12345" cites 1, 2, 3, 4, 5 and
"profile.1241011" with 11 references cites 1, 2, 4, 10, 11.

A run of digits is read as a strictly increasing sequence of reference numbers,
each between 1 and the number of references on the page (no number starts
with 0). When no reading exists the digits stay in the text, nothing is cited
and a warning says so. When several readings exist (with 13 references
"1213" is 1, 2, 13 or 12, 13) every one of them is consistent with the rule,
so we take the reading with the most numbers, i.e. the one that splits into
the shortest numbers (lists of consecutive small numbers are by far the
common case on these pages), then the lexicographically smallest; a warning
lists the readings that were passed over.

Callers mark ``<sup>`` text with `SUP_OPEN` / `SUP_CLOSE`; inside a ``<sup>``,
"1,2,4" and "3-5" are lists and ranges and a bare "10" is ten when the page has
ten references or more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SUP_OPEN = "\x02"
SUP_CLOSE = "\x03"

# Enough digits for a dozen citations; longer runs are numbers, not markers.
MAX_RUN = 40
_MAX_READINGS = 64

_SUP = re.compile(f"{SUP_OPEN}([^{SUP_CLOSE}]*){SUP_CLOSE}")
# Digits glued to sentence-final punctuation that follows a word, not a number
# ("2.5" and "v1.2" are left alone), and followed by a space or the end.
_GLUED = re.compile(r"(?<=[A-Za-z%)\]'\"’”][.!?])(\d{1,40})(?=\s|$)")


def readings(digits: str, n_refs: int) -> list[tuple[int, ...]]:
    """Every strictly increasing split of ``digits`` into numbers in 1..n_refs.

    Returned best first (most numbers, then smallest); at most 64 are collected.
    """
    if not digits.isdigit() or len(digits) > MAX_RUN or n_refs < 1:
        return []
    width = len(str(n_refs))
    found: list[tuple[int, ...]] = []

    def walk(pos: int, last: int, acc: list[int]) -> None:
        if len(found) >= _MAX_READINGS:
            return
        if pos == len(digits):
            found.append(tuple(acc))
            return
        if digits[pos] == "0":
            return
        for end in range(pos + 1, min(pos + width, len(digits)) + 1):
            number = int(digits[pos:end])
            if number > n_refs:
                break
            if number > last:
                acc.append(number)
                walk(end, number, acc)
                acc.pop()

    walk(0, 0, [])
    found.sort(key=lambda r: (-len(r), r))
    return found


@dataclass
class CitedText:
    """Text with its markers removed, the numbers cited (in order) and warnings."""

    text: str
    citations: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _show(reading: tuple[int, ...]) -> str:
    return ",".join(map(str, reading))


def _decode_run(digits: str, n_refs: int, where: str, out: CitedText) -> bool:
    options = readings(digits, n_refs)
    if not options:
        out.warnings.append(
            f'{where}: citation digits "{digits}" have no reading with {n_refs} references;'
            " kept as text"
        )
        return False
    if len(options) > 1:
        shown = "; ".join(_show(r) for r in options)
        out.warnings.append(
            f'{where}: citation digits "{digits}" have several readings ({shown});'
            f" read as {_show(options[0])}"
        )
    for number in options[0]:
        if number not in out.citations:
            out.citations.append(number)
    return True


_SUP_LIST = re.compile(r"^\d+(?:\s*(?:,|;|–|-|\s)\s*\d+)+$")


def _decode_sup(content: str, n_refs: int, where: str, out: CitedText) -> bool:
    content = content.strip().strip("[]()").strip()
    if not content:
        return True
    if _SUP_LIST.match(content):
        numbers: list[int] = []
        for part in re.split(r"\s*[,;\s]\s*", content):
            if not part:
                continue
            low, _, high = part.replace("–", "-").partition("-")
            if high:
                first, last = int(low), int(high)
                if last - first > 200:
                    return False
                numbers.extend(range(first, last + 1))
            else:
                numbers.append(int(low))
        if not numbers or any(not 1 <= n <= n_refs for n in numbers):
            out.warnings.append(
                f'{where}: citation "{content}" is outside the {n_refs} references; kept as text'
            )
            return False
        for number in numbers:
            if number not in out.citations:
                out.citations.append(number)
        return True
    if content.isdigit() and content[0] != "0" and int(content) <= n_refs:
        if int(content) not in out.citations:
            out.citations.append(int(content))
        return True
    if content.isdigit():
        return _decode_run(content, n_refs, where, out)
    return False


def extract_citations(text: str, n_refs: int, where: str) -> CitedText:
    """Remove citation markers from ``text`` (``<sup>`` markers and glued digit runs).

    ``where`` names the place for warnings, e.g. ``"qa 3"``.
    """
    out = CitedText(text="")

    def sup(match: re.Match[str]) -> str:
        content = match.group(1)
        return "" if _decode_sup(content, n_refs, where, out) else content

    def glued(match: re.Match[str]) -> str:
        digits = match.group(1)
        return "" if _decode_run(digits, n_refs, where, out) else digits

    # A page marks citations one way: with <sup> elements, or (as extracted text) not at all.
    plain = _SUP.sub(sup, text) if SUP_OPEN in text else _GLUED.sub(glued, text)
    out.text = " ".join(plain.split())
    return out
