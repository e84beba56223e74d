"""Every label of the portal's templates and forms has a Simplified Chinese translation in the
portal's own compiled catalog (skillfund/portal/locale), and the catalog compiled is the one
written (the .mo matches the .po)."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest

import skillfund.portal

PORTAL = Path(skillfund.portal.__file__).parent
CATALOG = PORTAL / "locale" / "zh_Hans" / "LC_MESSAGES"
TRANSLATE = re.compile(r"""\{%\s*translate\s+(?P<q>["'])(?P<msgid>.*?)(?P=q)""")
BLOCK = re.compile(r"\{%\s*blocktranslate(?P<args>[^%]*)%\}(?P<body>.*?)\{%\s*endblocktranslate\s*%\}", re.S)
VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")
GETTEXT = re.compile(r"""\b_\(\s*(?P<literal>"(?:[^"\\]|\\.)*")\s*\)""")


def _template_msgids() -> list[str | tuple[str, str]]:
    found: list[str | tuple[str, str]] = []
    for path in sorted((PORTAL / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        found += [m["msgid"] for m in TRANSLATE.finditer(text)]
        for m in BLOCK.finditer(text):
            singular, _, plural = (
                VARIABLE.sub(r"%(\1)s", part.replace("%", "%%")) for part in _split_plural(m["body"])
            )
            found.append((singular, plural) if plural else singular)
    for path in sorted(PORTAL.glob("*.py")):
        found += [ast.literal_eval(m["literal"]) for m in GETTEXT.finditer(path.read_text(encoding="utf-8"))]
    return found


def _split_plural(body: str) -> tuple[str, str, str]:
    return body.partition("{% plural %}")


@pytest.fixture(scope="module")
def compiled() -> gettext.GNUTranslations:
    with (CATALOG / "django.mo").open("rb") as fh:
        return gettext.GNUTranslations(fh)


def test_the_templates_have_labels_to_check():
    assert len(_template_msgids()) > 80


@pytest.mark.parametrize("msgid", _template_msgids(), ids=lambda m: (m if isinstance(m, str) else m[0])[:50])
def test_every_portal_label_has_a_chinese_translation(compiled, msgid):
    if isinstance(msgid, tuple):
        translated = compiled.ngettext(msgid[0], msgid[1], 1)
        assert translated != msgid[0], f"no translation for {msgid[0]!r}"
    else:
        translated = compiled.gettext(msgid)
        assert translated != msgid or not re.search(r"[A-Za-z]", msgid), f"no translation for {msgid!r}"
    assert re.search(r"[\u4e00-\u9fff]", translated)


ENTRY = re.compile(r'^msgid "(?P<id>.+)"\n(?:msgid_plural "(?P<plural>.+)"\n)?msgstr(?:\[0\])? "(?P<str>.*)"$', re.M)


def test_the_compiled_catalog_is_the_written_one(compiled):
    entries = list(ENTRY.finditer((CATALOG / "django.po").read_text(encoding="utf-8")))
    assert len(entries) > 80
    for entry in entries:
        msgid, written = ast.literal_eval(f'"{entry["id"]}"'), ast.literal_eval(f'"{entry["str"]}"')
        assert written, f"empty translation for {msgid!r}"
        if entry["plural"]:
            assert compiled.ngettext(msgid, ast.literal_eval(f'"{entry["plural"]}"'), 1) == written
        else:
            assert compiled.gettext(msgid) == written


def test_the_pages_say_what_the_portal_catalog_says(compiled):
    """Django takes a label from the first catalog that has it (the audiences' before the portal's):
    a label another catalog translates otherwise would read differently from the portal's catalog."""
    from django.utils import translation

    with translation.override("zh-hans"):
        differing = {
            key: (value, translation.gettext(key))
            for key, value in compiled._catalog.items()
            if isinstance(key, str) and key and translation.gettext(key) != value
        }
    assert not differing, f"give these portal labels msgids of their own: {differing}"
