"""Every label is Chinese in Chinese mode (issue 10, "Language and names"): a template string, a
Python string marked for translation, a model's or field's name, a choice and an admin column
without a Simplified Chinese translation fails here, named with the file it comes from."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.contrib.contenttypes.fields import GenericForeignKey
from django.utils import translation
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parent.parent / "skillfund"
CJK = re.compile(r"[\u3400-\u9fff]")
# An English word left in a Chinese label (codes, units and acronyms are fine: ID, API, PDF, TOTP, §).
ENGLISH_WORD = re.compile(r"\b(?!(?:ID|API|PDF|TOTP|URL|CSV|HMAC|SMS|OTP|XLSX|IP|SkillFund)\b)[A-Za-z]{3,}\b")
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}


def _needs_translation(msgid: str) -> bool:
    return bool(re.search(r"[A-Za-z]{2,}", msgid)) and not CJK.search(msgid)


def _translated(context: str | None, msgid: str) -> bool:
    with translation.override("zh-hans"):
        text = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
    return text != msgid


def _python_messages() -> Iterator[tuple[str, str | None, str]]:
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in GETTEXT_NAMES):
                continue
            strings = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if node.func.id.startswith("pgettext") and len(strings) >= 2:
                yield f"{path.relative_to(ROOT)}:{node.lineno}", strings[0], strings[1]
            elif strings and not node.func.id.startswith("pgettext"):
                yield f"{path.relative_to(ROOT)}:{node.lineno}", None, strings[0]


_CALL = re.compile(r"\b(n?p?gettext)\(\s*((?:u?(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\s*,?\s*){1,2})")
_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


def _template_messages() -> Iterator[tuple[str, str | None, str]]:
    for path in sorted(ROOT.rglob("templates/**/*.html")):
        source = templatize(path.read_text(encoding="utf-8"), origin=str(path))
        for match in _CALL.finditer(source):
            values = [ast.literal_eval(s) for s in _STRING.findall(match[2])]
            where = f"{path.relative_to(ROOT)}:{source.count(chr(10), 0, match.start()) + 1}"
            if match[1].startswith(("pgettext", "npgettext")) and len(values) == 2:
                yield where, values[0], values[1]
            else:
                yield where, None, values[0]


def _missing(messages) -> list[str]:
    return sorted({f"{where}: {msgid!r}" for where, context, msgid in messages if _needs_translation(msgid) and not _translated(context, msgid)})


def test_every_template_string_has_a_chinese_translation():
    assert _missing(_template_messages()) == []


def test_every_python_string_marked_for_translation_has_a_chinese_translation():
    assert _missing(_python_messages()) == []


def _english_left(label) -> bool:
    with translation.override("zh-hans"):
        text = str(label)
    return bool(ENGLISH_WORD.search(text)) and not CJK.search(text)


def _our_models():
    return [m for m in apps.get_models() if m.__module__.startswith("skillfund.")]


def _model_labels_left() -> list[str]:
    left = []
    for model in _our_models():
        name = f"{model._meta.app_label}.{model.__name__}"
        for label in (model._meta.verbose_name, model._meta.verbose_name_plural):
            if _english_left(label):
                left.append(f"{name}: {label}")
        for field in model._meta.get_fields():
            if not hasattr(field, "verbose_name") or field.auto_created or isinstance(field, GenericForeignKey):
                continue
            if _english_left(field.verbose_name):
                left.append(f"{name}.{field.name}: {field.verbose_name}")
            for _value, label in getattr(field, "flatchoices", None) or []:
                if _english_left(label):
                    left.append(f"{name}.{field.name} choice: {label}")
    return left


def test_every_model_field_and_choice_reads_in_chinese():
    assert _model_labels_left() == []


def _admin_labels_left() -> list[str]:
    left = []
    for model, model_admin in admin.site._registry.items():
        name = f"{model._meta.app_label}.{model.__name__} admin"
        for item in (*model_admin.list_display, *model_admin.readonly_fields):
            if item == "__str__":
                continue
            label = label_for_field(item, model, model_admin)
            if _english_left(label):
                left.append(f"{name} column {item}: {label}")
        for title, _options in model_admin.fieldsets or ():
            if title and _english_left(title):
                left.append(f"{name} fieldset: {title}")
        for action in model_admin.actions or ():
            label = getattr(action, "short_description", None) if callable(action) else None
            if label and _english_left(label):
                left.append(f"{name} action: {label}")
        for item in model_admin.list_filter:
            title = getattr(item, "title", None) if isinstance(item, type) else None
            if title and _english_left(title):
                left.append(f"{name} filter: {title}")
    return left


def test_every_admin_column_filter_and_action_reads_in_chinese():
    assert _admin_labels_left() == []


def test_the_checks_can_fail():
    """An English label with no translation is reported by each check."""
    assert _missing([("x.html:1", None, "zzqx untranslated label")]) == ["x.html:1: 'zzqx untranslated label'"]
    assert _missing([("x.html:1", None, "Home")]) == []
    assert _english_left("untranslated label") and not _english_left("补贴 label")


def _catalog_entries() -> dict[tuple[str | None, str], dict[str, str]]:
    """(context, msgid) → {catalog folder: msgstr} over every Simplified Chinese catalog of the project."""
    found: dict[tuple[str | None, str], dict[str, str]] = {}
    joined = re.compile(r'"((?:[^"\\]|\\.)*)"')
    for path in sorted(ROOT.rglob("locale/zh_Hans/LC_MESSAGES/django.po")):
        for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
            context = re.search(r'^msgctxt "((?:[^"\\]|\\.)*)"', block, re.M)
            msgid = re.search(r'^msgid ((?:"(?:[^"\\]|\\.)*"\s*)+)', block, re.M)
            msgstr = re.search(r'^msgstr ((?:"(?:[^"\\]|\\.)*"\s*)+)', block, re.M)
            if msgid and msgstr and (text := "".join(joined.findall(msgid[1]))):
                key = (context[1] if context else None, text)
                found.setdefault(key, {})[str(path.relative_to(ROOT).parent)] = "".join(joined.findall(msgstr[1]))
    return found


def test_no_label_has_two_translations_in_two_catalogs():
    """The audiences' catalogs are merged into one at run time (LOCALE_PATHS first): a msgid translated
    two ways reads the first catalog's way on every page (the sign-in's "Next" read 下一页)."""
    twice = {
        msgid: catalogs
        for (_context, msgid), catalogs in _catalog_entries().items()
        if len(set(catalogs.values())) > 1
    }
    assert twice == {}
