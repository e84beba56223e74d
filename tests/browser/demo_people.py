"""`python -m tests.browser.demo_people OUT.json`: after setup_demo, the persons each operator account
(institution, enterprise) has on its roster, with their ID numbers and names, so a browser test can
type them into a roster file or a form as the institution's clerk would (the clerk has them on paper;
the pages only ever show them masked). Run by demo_server.build_demo on the test's own database."""

from __future__ import annotations

import json
import os
import sys
from datetime import date


def people() -> dict[str, list[dict]]:
    from skillfund.accounts.models import User
    from skillfund.accounts.scoping import persons_visible_to
    from skillfund.registry import idnumbers

    found: dict[str, list[dict]] = {}
    for username in ("institution", "enterprise"):
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        persons = persons_visible_to(user).prefetch_related("statuses", "enrolments").order_by("pk")
        found[username] = [
            {
                "pk": p.pk,
                "id_number": idnumbers.decrypt(p.id_cipher),
                "name": p.name,
                "regions": sorted({r for r in (p.hukou_region, p.residence_region, p.job_region) if r}),
                "receives_pension": p.receives_pension,
                "enrolments": len(p.enrolments.all()),
                "statuses": [
                    [s.kind, s.valid_from.isoformat(), s.valid_to.isoformat() if s.valid_to else None]
                    for s in p.statuses.all()
                ],
            }
            for p in persons
        ]
    return found


def holds_status_on(person: dict, day: date) -> bool:
    return any(
        date.fromisoformat(start) <= day and (end is None or day <= date.fromisoformat(end))
        for _, start, end in person["statuses"]
    )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        json.dump(people(), out, ensure_ascii=False)
