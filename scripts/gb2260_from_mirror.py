"""Regenerate policy_data/regions/gb2260.yaml from a GB2260 mirror's MCA revision (run by hand).

    git -C /work/.mirror/cn+GB2260/repo show HEAD:mca/201904.tsv > /tmp/mca.tsv
    .venv/bin/python scripts/gb2260_from_mirror.py /tmp/mca.tsv 201904

Keeps the English names (name_en) the current file has; writes every code of the revision with its
level and parent (a county whose prefecture code is not listed, such as 429004 仙桃市 or the
districts of a municipality, has its province as parent).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import yaml

OUT = Path(__file__).resolve().parent.parent / "policy_data" / "regions" / "gb2260.yaml"
HEADER = """\
# GB/T 2260 administrative division codes (中华人民共和国行政区划代码): the full national table of
# provincial, prefecture and county-level units.
#
# edition: Ministry of Civil Affairs (民政部) 县以上行政区划代码, revision {revision}, the newest MCA
#   revision in the public mirror github.com/cn/GB2260 (file mca/{revision}.tsv, mirror commit
#   1173e8b57b1ac265f3c79099bfab8f1aea4811a1); the MCA publication is listed in the mirror's sources.tsv.
#   201904 is also the edition in force when the Ordos action plan 鄂就组发〔2019〕1号 was issued (2019-11).
# licence: the mirror carries no licence file; the content is the MCA's official public code list
#   (an official document of a state organ, outside copyright under 著作权法 Art. 5).
# levels and parents are derived from the codes (xx0000 province, xxxx00 prefecture, else county;
#   a county whose xxxx00 code is not listed hangs under its province).
# name_en: English renderings added by SkillFund for some entries (not part of the standard).
# A county code that is not listed here is still accepted, with a warning, when its province prefix
#   is listed, because codes change over the years (see README.md).
# Regenerate with scripts/gb2260_from_mirror.py.
regions:
"""


def main(tsv: str, revision: str) -> None:
    english = {r["code"]: r["name_en"] for r in yaml.safe_load(OUT.read_text("utf-8"))["regions"] if r.get("name_en")}
    with open(tsv, encoding="utf-8") as fh:
        rows = [(r["Code"], r["Name"]) for r in csv.DictReader(fh, delimiter="\t") if r["Revision"] == revision]
    codes = {code for code, _ in rows}
    lines = []
    for code, name in sorted(rows):
        if code.endswith("0000"):
            level, parent = "province", None
        elif code.endswith("00"):
            level, parent = "prefecture", code[:2] + "0000"
        else:
            level = "county"
            parent = code[:4] + "00" if code[:4] + "00" in codes else code[:2] + "0000"
        fields = [f'code: "{code}"', f"name: {name}"]
        if code in english:
            fields.append(f"name_en: {english[code]}")
        fields.append(f"level: {level}")
        if parent:
            fields.append(f'parent: "{parent}"')
        lines.append("  - {" + ", ".join(fields) + "}")
    OUT.write_text(HEADER.format(revision=revision) + "\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:3])
