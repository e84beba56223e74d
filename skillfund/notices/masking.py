"""What a public notice may show of a person: a masked name and a masked ID number."""

from __future__ import annotations


def mask_name(name: str) -> str:
    """Keep the first and last character, mask the middle: 张三丰 → 张*丰, 欧阳娜娜 → 欧**娜.

    Two characters keep only the first (张三 → 张*); compound surnames are treated the same way.
    """
    name = "".join(name.split())
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
