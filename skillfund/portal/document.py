"""The programme's document as the public policy page shows it: the Chinese original from
policy_data/documents/, cut at the words each provision of the clause register begins with, so that
every clause ID shown anywhere in the platform (`web.clauses.clause_url`) lands on its own text.

Reads files only (no database): the page is the same for everyone and is built once per process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from skillfund import policy_data
from skillfund.core.errors import DomainError
from skillfund.web.clauses import clause_anchor

PARAGRAPH_BREAK = re.compile(r"\n[ \t\u3000]*\n")
HEADING = re.compile(r"^[一二三四五六七八九十]+、\S{1,16}$")
SECTION = re.compile(r"^(?:§\d+(?:\.\d+)?|Annex)$")


@dataclass(frozen=True)
class Piece:
    """A run of the text. `clause` is the provision that begins with it; empty when the run goes on
    with the provision before (the start of a paragraph)."""

    text: str
    clause: str = ""
    brief_zh: str = ""
    brief_en: str = ""

    @property
    def anchor(self) -> str:
        return clause_anchor(self.clause) if self.clause else ""


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]
    clause: str = ""
    brief_zh: str = ""
    brief_en: str = ""

    @property
    def anchor(self) -> str:
        return clause_anchor(self.clause) if self.clause else ""


@dataclass(frozen=True)
class Block:
    kind: str  # "heading", "paragraph" or "table"
    pieces: tuple[Piece, ...] = ()
    head: tuple[str, ...] = ()  # a table's first row
    rows: tuple[Row, ...] = ()


@dataclass(frozen=True)
class Document:
    number: str
    title: str
    title_en: str
    blocks: tuple[Block, ...]
    clauses: tuple[str, ...]  # in the order of the text

    @property
    def sections(self) -> list[Piece]:
        """The sections (§2, §3.1 … §4.4, Annex) in the order of the text: the page's contents."""
        register = policy_data.clauses()
        return [
            Piece(text="", clause=c, brief_zh=register[c]["zh"], brief_en=register[c]["en"])
            for c in self.clauses
            if SECTION.match(c)
        ]


class DocumentError(DomainError):
    def __init__(self, path: Path, zh: str, en: str) -> None:
        super().__init__("policy_document", f"{path.name}：{zh}", f"{path.name}: {en}")


def _paragraphs(text: str, page_breaks: list[str]) -> list[str]:
    paragraphs: list[str] = []
    joining = False
    for raw in PARAGRAPH_BREAK.split(text):
        paragraph = raw.strip()
        if not paragraph:
            continue
        if joining:
            paragraphs[-1] += paragraph
        else:
            paragraphs.append(paragraph)
        joining = any(paragraphs[-1].endswith(tail) for tail in page_breaks)
    return paragraphs


def load_document(path: Path) -> Document:
    """Read a document file (see policy_data/documents/*.yaml) and place every provision in it."""
    spec = policy_data.read_yaml(path)
    register = policy_data.clauses()
    text = (path.parent / spec["text"]).read_text(encoding="utf-8")
    paragraphs = _paragraphs(text, spec.get("page_breaks", []))

    # Where each provision begins: (paragraph index, offset in it), searched in the order listed.
    starts: dict[int, dict[int, str]] = {}
    at = (0, 0)
    order: list[str] = []
    for provision in spec["provisions"]:
        clause, words = provision["clause"], provision["starts"]
        if clause not in register:
            raise DocumentError(path, f"{clause} 不在条款登记表中", f"{clause} is not in policy_data/clauses.yaml")
        if clause in order:
            raise DocumentError(path, f"{clause} 重复", f"{clause} is listed twice")
        found = _find(paragraphs, words, at)
        if found is None:
            raise DocumentError(
                path,
                f"{clause}：在上一条款之后找不到“{words}”",
                f"{clause}: “{words}” is not in the text after the previous provision",
            )
        starts.setdefault(found[0], {})[found[1]] = clause
        at = (found[0], found[1] + 1)
        order.append(clause)

    def brief(clause: str) -> dict[str, str]:
        return {"brief_zh": register[clause]["zh"], "brief_en": register[clause]["en"]} if clause else {}

    blocks: list[Block] = []
    for index, paragraph in enumerate(paragraphs):
        here = starts.get(index, {})  # offset in the paragraph → the provision that begins there
        if "\t" in paragraph:
            blocks.append(_table(path, paragraph, here, brief))
            continue
        cuts = sorted({0, *here})
        pieces = tuple(
            Piece(text=paragraph[a:b].strip(), clause=here.get(a, ""), **brief(here.get(a, "")))
            for a, b in zip(cuts, [*cuts[1:], len(paragraph)], strict=True)
        )
        blocks.append(Block(kind="heading" if HEADING.match(paragraph) else "paragraph", pieces=pieces))
    return Document(
        number=spec["document"],
        title=spec["title"],
        title_en=spec.get("title_en", ""),
        blocks=tuple(blocks),
        clauses=tuple(order),
    )


def _table(path: Path, paragraph: str, here: dict[int, str], brief) -> Block:
    """A tab-separated paragraph (the annex): its first line the head; a provision begins a row."""
    lines = paragraph.split("\n")
    line_at = {sum(len(line) + 1 for line in lines[:i]): i for i in range(len(lines))}
    if stray := sorted(set(here) - set(line_at)):
        clause = here[stray[0]]
        raise DocumentError(path, f"{clause} 须从表格的一行开始", f"{clause} must begin a row of the table")
    clauses = {line_at[offset]: clause for offset, clause in here.items()}
    rows = [tuple(cell.strip() for cell in line.split("\t")) for line in lines]
    return Block(
        kind="table",
        head=rows[0],
        rows=tuple(
            Row(cells=cells, clause=clauses.get(i, ""), **brief(clauses.get(i, "")))
            for i, cells in enumerate(rows)
            if i
        ),
    )


def _find(paragraphs: list[str], words: str, at: tuple[int, int]) -> tuple[int, int] | None:
    first, offset = at
    for index in range(first, len(paragraphs)):
        found = paragraphs[index].find(words, offset if index == first else 0)
        if found >= 0:
            return index, found
    return None


def document_path() -> Path:
    """The file of the document the clause register is about (its `document` number)."""
    number = policy_data.read_yaml(policy_data.data_path("clauses.yaml"))["document"]
    for path in sorted(policy_data.data_path("documents").glob("*.yaml")):
        if policy_data.read_yaml(path).get("document") == number:
            return path
    raise FileNotFoundError(f"no file in policy_data/documents/ holds {number}")


@cache
def policy_document() -> Document:
    return load_document(document_path())
