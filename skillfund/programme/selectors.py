"""Which programme a page, report or budget is about. Several programmes may be loaded side by side
(another city's, or the same city's next years); every consumer names the programme it reads, and
these selectors are the one place where a default is chosen:

- the deployment's region, `settings.SKILLFUND_REGION` (a GB/T 2260 code; empty: the region of the
  first programme loaded), picks the city;
- among that city's programmes, the one whose years cover the year asked for; else the latest that
  started before it; else the earliest.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from skillfund.core.errors import DomainError
from skillfund.organizations.models import Organization
from skillfund.programme.models import Programme


def home_region() -> str | None:
    """The region the deployment serves."""
    if region := getattr(settings, "SKILLFUND_REGION", ""):
        return region
    return Programme.objects.order_by("pk").values_list("region", flat=True).first()


def programme_for(*, region: str, year: int) -> Programme | None:
    """The programme of a region (or of the area containing it) for a year (see the module docstring)."""
    programmes = [p for p in Programme.objects.order_by("start_year", "pk") if region.startswith(p.region_prefix)]
    if not programmes:
        return None
    closest = max(len(p.region_prefix) for p in programmes)  # a city's own before its province's
    programmes = [p for p in programmes if len(p.region_prefix) == closest]
    if covering := [p for p in programmes if p.start_year <= year <= p.end_year]:
        return covering[-1]
    if started := [p for p in programmes if p.start_year <= year]:
        return started[-1]
    return programmes[0]


def programme_default(*, year: int) -> Programme | None:
    """The programme a public page shows when none is named: the deployment's city, for `year`."""
    region = home_region()
    return programme_for(region=region, year=year) if region else None


def programmes_of_region(region: str) -> list[Programme]:
    """Every programme of one region, latest first: a public page's programme choice."""
    return list(Programme.objects.filter(region=region).order_by("-start_year", "-pk"))


def programme_of_department(*, department: Organization, year: int) -> Programme:
    """The programme a government department works under in a year: the one of its region."""
    programme = programme_for(region=department.region, year=year)
    if programme is None:
        raise DomainError(
            "no_programme",
            f"{department}（{department.region}）没有已加载的实施方案，请先加载方案文件（skillfund load_programme）",
            f"no programme is loaded for {department} ({department.region}); load its file with "
            "`skillfund load_programme`",
        )
    return programme


def departments_of(programme: Programme) -> QuerySet[Organization]:
    """The government units in the programme's area: the units its figures are attributed to."""
    return Organization.objects.filter(kind=Organization.Kind.GOVERNMENT, region__startswith=programme.region_prefix)


def is_hr_bureau(organization: Organization | None) -> bool:
    """Whether the organization acts as some programme's HR bureau (the programme file's hr_bureau)."""
    return organization is not None and Programme.objects.filter(hr_bureau=organization).exists()
