"""Place names → GB/T 2260 codes through the full national table (policy_data/regions/gb2260.yaml,
MCA revision 201904), as rosters write 户籍所在地 and 常住地 (§3.3.a compares these places)."""

from __future__ import annotations

import time

import pytest

from skillfund import policy_data
from skillfund.core.tabular import BadValue
from skillfund.regions import names
from skillfund.regions.cells import region
from skillfund.regions.codes import is_listed, is_valid_region_code, table
from skillfund.regions.loading import regions_load
from skillfund.regions.models import Region


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("内蒙古自治区鄂尔多斯市达拉特旗", "150621"),
        ("鄂尔多斯市东胜区", "150602"),
        ("达拉特旗", "150621"),
        ("湖北省武汉市江岸区", "420102"),
        ("内蒙古鄂尔多斯市达拉特旗", "150621"),  # province without 自治区
        ("鄂尔多斯达拉特旗", "150621"),  # prefecture without 市
        ("伊金霍洛", "150627"),  # banner without 旗, unambiguous
        ("北京市朝阳区", "110105"),
        ("湖北省武汉市江岸区解放大道100号", "420102"),  # an address: its leading place name
        ("鄂尔多斯市", "150600"),  # a prefecture alone: the prefecture's code
        ("黔东南苗族侗族自治州凯里市", "522601"),
        ("150621", "150621"),  # codes still accepted
        ("１５０６２１", "150621"),  # full-width digits
    ],
)
def test_a_place_name_at_any_depth_resolves_to_its_code(written, code):
    assert region(written) == code


@pytest.mark.parametrize(
    ("written", "zh", "en"),
    [
        ("朝阳区", "北京市朝阳区（110105）、吉林省长春市朝阳区（220104）", "2 candidates: 110105, 220104"),
        ("鼓楼区", "江苏省南京市鼓楼区（320106）", "4 candidates"),
        ("火星市", "没有这个地名", "no such place"),
        ("东胜路1号", "没有这个地名", "no such place"),  # a short form does not start an address
        ("内蒙古自治区", "只写到省级", "only a province"),
        ("99062", "6位数字", "6 digits"),
        ("990621", "省级代码99不存在", "no province"),
    ],
)
def test_an_unknown_or_ambiguous_name_is_refused_with_the_candidates(written, zh, en):
    with pytest.raises(BadValue) as refused:
        region(written)
    assert zh in refused.value.zh and en in refused.value.en


def test_the_shipped_table_is_the_full_national_table_with_its_english_names():
    rows = table()
    levels = [r["level"] for r in rows]
    assert (levels.count("province"), levels.count("prefecture"), levels.count("county")) == (34, 334, 2851)
    by_code = {r["code"]: r for r in rows}
    assert by_code["150621"]["name_en"] == "Dalad Banner" and by_code["150621"]["parent"] == "150600"
    assert by_code["429004"]["parent"] == "420000"  # 仙桃市: a county directly under its province
    assert "Ministry of Civil Affairs" in policy_data.data_path("regions", "gb2260.yaml").read_text("utf-8")[:2000]


def test_a_code_not_in_the_table_is_still_valid_when_its_province_exists():
    assert is_listed("150621") and is_valid_region_code("150621")
    assert not is_listed("152701") and is_valid_region_code("152701")  # 伊克昭盟 东胜市, before 2001
    assert not is_valid_region_code("990621")


def test_names_are_indexed_quickly():
    names._index.cache_clear()
    started = time.perf_counter()
    names._index()
    assert time.perf_counter() - started < 5


@pytest.mark.django_db
def test_the_full_table_loads_into_regions_quickly_and_idempotently():
    path = policy_data.data_path("regions", "gb2260.yaml")
    started = time.perf_counter()
    assert regions_load(path=path) == 3219
    assert time.perf_counter() - started < 10
    assert Region.objects.count() == 3219
    assert Region.objects.get(code="150621").parent_id == "150600"
    Region.objects.filter(code="150621").update(name="改名")
    regions_load(path=path)
    assert Region.objects.count() == 3219 and Region.objects.get(code="150621").name == "达拉特旗"
