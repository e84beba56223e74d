"""The policy page (/policy/): the programme's Chinese original with every provision of the clause
register anchored, so that each clause ID the platform shows — on a notice, in the disclosure, in a
decision — links to its own words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from django.urls import reverse

from skillfund import policy_data
from skillfund.portal.document import DocumentError, load_document, policy_document
from skillfund.web.clauses import clause_anchor, clause_url
from tests.programme_helpers import bare_programme

SHARED_ORIGINAL = Path(__file__).resolve().parents[3] / "shared" / "policy" / "ordos-skills-action-2019-2021.zh.txt"


def _policy(client, lang: str = "zh-hans") -> str:
    client.cookies["django_language"] = lang
    response = client.get(reverse("portal:policy"))
    assert response.status_code == 200
    return response.content.decode()


def test_every_clause_of_the_register_has_one_anchor_on_the_policy_page(client, db):
    html = _policy(client)
    ids = re.findall(r'id="(clause-[^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert set(ids) == {clause_anchor(c) for c in policy_data.clauses()}


def test_each_anchor_holds_the_words_of_its_provision(client, db):
    html = _policy(client)

    def provision(clause: str) -> str:
        start = html.index(f'id="{clause_anchor(clause)}"')
        return html[start : html.index("</div>", start)]

    assert "每人每年可享受不超过3次" in provision("§3.3.b")
    assert "同一职业同一等级不可重复享受" in provision("§3.3.b") and "养老金" not in provision("§3.3.b")
    assert "先行拨付60%" in provision("§3.3.h")
    assert "定期向社会公开资金使用情况" in provision("§4.3.a")
    # The annex rows are table rows with their own anchors.
    row = html[html.index('id="clause-Annex.3"') : html.index("</tr>", html.index('id="clause-Annex.3"'))]
    assert "市教体局" in row and "3000" in row


def test_a_sentence_cut_by_a_page_break_is_one_provision(db):
    text = {p.clause: p.text for block in policy_document().blocks for p in block.pieces}
    assert "高技能人才占技能劳动者的比例达到 30%以上" in text["§2.b"]
    assert "对高校毕业生和企业职工按规定给予职业培训补贴" in text["§3.3.e"]
    assert "相关证明材料等真实性的审核" in text["§4.3.d"]


def test_chinese_mode_shows_the_original_first_and_english_mode_the_english(client, db):
    zh = _policy(client)
    start = zh.index('id="clause-3.3.b"')
    assert zh.index("每人每年可享受不超过3次", start) < zh.index("At most 3 subsidies per person per year", start)
    assert '<html lang="zh-hans">' in zh and "政策文件" in zh

    en = _policy(client, "en")
    start = en.index('id="clause-3.3.b"')
    assert en.index("At most 3 subsidies per person per year", start) < en.index("每人每年可享受不超过3次", start)
    assert '<html lang="en">' in en and 'lang="zh-Hans"' in en and "The policy" in en


def test_the_document_is_the_shared_original_byte_for_byte():
    if not SHARED_ORIGINAL.exists():
        pytest.skip("../shared/policy is not beside this checkout")
    copy = policy_data.data_path("documents", "ordos-skills-action-2019-2021.zh.txt")
    assert copy.read_bytes() == SHARED_ORIGINAL.read_bytes()


def _spec(tmp_path: Path, **changes) -> Path:
    source = policy_data.data_path("documents", "ordos-skills-action-2019-2021.yaml")
    spec = yaml.safe_load(source.read_text(encoding="utf-8"))
    spec["text"] = str(source.parent / spec["text"])
    spec.update(changes)
    path = tmp_path / "document.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


def test_a_provision_whose_words_are_not_in_the_text_is_refused(tmp_path):
    spec = yaml.safe_load(policy_data.data_path("documents", "ordos-skills-action-2019-2021.yaml").read_text("utf-8"))
    provisions = spec["provisions"]
    provisions[20]["starts"] = "这句话不在原文中"
    with pytest.raises(DocumentError) as exc:
        load_document(_spec(tmp_path, provisions=provisions))
    assert provisions[20]["clause"] in exc.value.en and "这句话不在原文中" in exc.value.zh


def test_provisions_out_of_order_twice_or_outside_the_register_are_refused(tmp_path):
    spec = yaml.safe_load(policy_data.data_path("documents", "ordos-skills-action-2019-2021.yaml").read_text("utf-8"))
    swapped = list(spec["provisions"])
    swapped[1], swapped[5] = swapped[5], swapped[1]  # §2.a searched after §2.e's words
    with pytest.raises(DocumentError):
        load_document(_spec(tmp_path, provisions=swapped))
    unknown = [*spec["provisions"], {"clause": "§9.9", "starts": "注："}]
    with pytest.raises(DocumentError) as exc:
        load_document(_spec(tmp_path, provisions=unknown))
    assert "§9.9" in exc.value.en
    twice = [*spec["provisions"], {"clause": "§2", "starts": "注："}]
    with pytest.raises(DocumentError) as exc:
        load_document(_spec(tmp_path, provisions=twice))
    assert "listed twice" in exc.value.en


# ---- clause IDs elsewhere link here ---------------------------------------------------------------


def test_the_clause_on_the_notices_page_links_to_its_anchor(client, db):
    html = client.get(reverse("notices:list")).content.decode()
    assert f'<a class="clause" href="{clause_url("§4.3.d")}">§4.3.d</a>' in html
    assert f'id="{clause_anchor("§4.3.d")}"' in _policy(client)


def test_the_clauses_in_the_disclosure_link_to_their_anchors(client, db):
    bare_programme()
    html = client.get(reverse("reports:year", args=[2020])).content.decode()
    linked = set(re.findall(r'<a class="clause" href="/policy/#(clause-[^"]+)">', html))
    assert {"clause-4.2.c", "clause-4.3.a", "clause-3.3.h"} <= linked
    anchors = set(re.findall(r'id="(clause-[^"]+)"', _policy(client)))
    assert linked <= anchors


def test_every_clause_url_in_the_platform_resolves_to_an_anchor(client, db):
    """Every §-ID the code or data cites is in the register (tests/test_programme.py) and so here."""
    anchors = set(re.findall(r'id="(clause-[^"]+)"', _policy(client)))
    for clause in policy_data.clauses():
        assert clause_url(clause).split("#", 1)[1] in anchors
