"""The §3.3 rules, one small named rule per condition, each citing its clause.

A rule is an expression over columns of facts (see facts.py), so the same definition decides a
frame of one claim online and a frame of a million in a batch. `passes` is evaluated only where
`applies` holds; elsewhere the check is "not applicable" (null). Messages are templates rendered
when someone reads the decision (explain.py), never stored per claim.

Helpers used below:
- `param("annual_cap")` — the parameter in force on the claim's decision date (parameters.py);
- `in_group("free_training_groups")` — the person holds, on the decision date, a status in that
  dated group list;
- `has_status("school_leaver")` — the person holds that status on the decision date.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from skillfund.policy.facts import has_status, in_group, param

col = pl.col


@dataclass(frozen=True)
class Rule:
    name: str
    clause: str
    passes: pl.Expr
    message: dict[str, dict[str, str]]  # {"pass": {"zh", "en"}, "fail": {"zh", "en"}}
    applies: pl.Expr | None = None
    quota: bool = False  # decided after the in-batch ordering of §3.3.b (engine._quota_facts)
    fields: tuple[str, ...] = field(default=())  # facts the messages show


# §3.3.a is about courses leading to a certificate; training through work (§3.3.g) has neither a
# course place nor a certificate, so these two checks do not apply to it. The insured-employee
# skill-upgrading subsidy (§3.1.2) rewards the employee's certificate wherever the training was.
_COURSE = col("funding_mode") != "work_based"
_PLACED_COURSE = ~col("funding_mode").is_in(["work_based", "skill_upgrading"])

# §3.3.a compares places at the programme's administrative level (parameter training_place_level):
# the number of leading GB/T 2260 digits two codes share, with the level's names for messages.
REGION_LEVELS: dict[str, tuple[int, str, str]] = {
    "county": (6, "县级行政区", "county"),
    "prefecture": (4, "地级市", "prefecture"),
    "province": (2, "省级行政区", "province"),
}
PLACES: tuple[tuple[str, str, str], ...] = (
    ("hukou_region", "户籍地", "registered"),
    ("residence_region", "常住地", "resident"),
    ("job_region", "求职就业地", "job-seeking"),
)


def _area(column: str) -> pl.Expr:
    """A region code's leading digits at the level in force (6, 4 or 2: parameter training_place_level)."""
    return col(column).str.slice(0, param("training_place_level"))


def _same_area(place: str) -> pl.Expr:
    """The training region and `place` lie in one area at the level in force."""
    return (_area("training_region") == _area(place)).fill_null(False)


def area_of(region: str, digits: int) -> str:
    """The code of the area `region` lies in at a level: 150621 at the prefecture is 150600."""
    return region[:digits].ljust(6, "0")


TRAINING_PLACE = Rule(
    name="training_place",
    clause="§3.3.a",
    applies=_PLACED_COURSE,
    passes=_same_area("hukou_region") | _same_area("residence_region") | _same_area("job_region"),
    message={
        "pass": {
            "zh": "培训地{training_region}与{place_matched_zh}{place_matched}同属一个{place_level_zh}（{place_area}）",
            "en": "Trained in {training_region}, in the same {place_level} ({place_area}) as the {place_matched_en} "
            "region {place_matched}: compared at {place_level} level",
        },
        "fail": {
            "zh": "培训地{training_region}与本人户籍地（{hukou_region}）、常住地（{residence_region}）、求职就业地"
            "（{job_region}）均不属同一个{place_level_zh}（培训地属{place_area}）",
            "en": "Trained in {training_region} ({place_level} {place_area}), which shares no {place_level} with the "
            "registered ({hukou_region}), resident ({residence_region}) or job-seeking ({job_region}) region: "
            "compared at {place_level} level",
        },
    },
    fields=("training_region", "hukou_region", "residence_region", "job_region"),
)

CERTIFICATE_OBTAINED = Rule(
    name="certificate_obtained",
    clause="§3.3.a",
    applies=_COURSE,
    passes=col("certificate")
    .is_in(["qualification", "skill_level", "special_ability", "special_operation", "training_completion"])
    .fill_null(False),
    message={
        "pass": {"zh": "已取得证书（{certificate}）", "en": "Certificate obtained: {certificate}"},
        "fail": {"zh": "培训后未取得规定的证书", "en": "No qualifying certificate was obtained after the training"},
    },
    fields=("certificate",),
)

NO_PENSION = Rule(
    name="no_pension",
    clause="§3.3.c",
    passes=~col("pension"),
    message={
        "pass": {"zh": "不具有按月领取养老金资格", "en": "Not entitled to a monthly pension"},
        "fail": {
            "zh": "已按月领取养老金，不在培训补贴范围内",
            "en": "Receives a monthly pension, so is outside the subsidy's scope",
        },
    },
)

PROJECT_GROUP = Rule(
    name="project_group",
    clause="§3.3.i",
    applies=col("funding_mode") == "project",
    passes=in_group("project_training_groups"),
    message={
        "pass": {"zh": "属于可开展项目制培训的群体", "en": "Belongs to a group for project-based training"},
        "fail": {
            "zh": "项目制培训仅面向贫困劳动力、去产能失业人员、退役军人等群体",
            "en": "Project-based training is for poor labourers, displaced workers, veterans and similar groups",
        },
    },
)

INSURED_EMPLOYEE = Rule(
    name="insured_employee",
    clause="§3.1.2",
    applies=col("funding_mode") == "skill_upgrading",
    passes=has_status("employee_insured") & col("certificate").is_in(["qualification", "skill_level"]).fill_null(False),
    message={
        "pass": {
            "zh": "参保职工取得职业资格或职业技能等级证书，可享受参保职工技能提升补贴",
            "en": "An insured employee with a qualification or skill-level certificate: skill-upgrading subsidy",
        },
        "fail": {
            "zh": "参保职工技能提升补贴限于参保职工取得职业资格或职业技能等级证书",
            "en": "The skill-upgrading subsidy is for insured employees who obtain a qualification or skill-level certificate",
        },
    },
)

WORK_TRAINING_EMPLOYER = Rule(
    name="work_training_employer",
    clause="§3.3.g",
    applies=col("funding_mode") == "work_based",
    passes=(
        col("employer_kind").is_in(["enterprise", "cooperative", "poverty_workshop"]).fill_null(False)
        & has_status("poor_labourer")
    )
    | (
        (col("employer_kind") == "enterprise").fill_null(False)
        & col("employer_insured").fill_null(False)
        & (has_status("hard_to_employ") | has_status("zero_employment_family"))
    ),
    message={
        "pass": {
            "zh": "用人单位吸纳符合条件的人员开展以工代训",
            "en": "The employer trains an eligible person through work",
        },
        "fail": {
            "zh": "以工代训仅限生产经营主体吸纳贫困劳动力，或参保企业吸纳就业困难人员、零就业家庭成员",
            "en": "Training through work is for producers employing poor labourers, or insured enterprises employing hard-to-employ or zero-employment-family members",
        },
    },
    fields=("employer_kind",),
)

WORK_TRAINING_MONTHS = Rule(
    name="work_training_months",
    clause="§3.3.g",
    applies=col("funding_mode") == "work_based",
    passes=col("months_already") < param("work_training_max_months"),
    message={
        "pass": {
            "zh": "以工代训已补贴{months_already}个月，上限{work_training_max_months}个月",
            "en": "{months_already} of {work_training_max_months} months of training through work subsidized so far",
        },
        "fail": {
            "zh": "以工代训补贴已满{work_training_max_months}个月",
            "en": "The {work_training_max_months} months of training-through-work subsidy are used up",
        },
    },
    fields=("months_already",),
)

ANNUAL_CAP = Rule(
    name="annual_cap",
    clause="§3.3.b",
    quota=True,
    applies=_COURSE,
    passes=col("subsidies_in_year") < param("annual_cap"),
    message={
        "pass": {
            "zh": "{year}年已享受补贴{subsidies_in_year}次，上限{annual_cap}次",
            "en": "{subsidies_in_year} of {annual_cap} subsidies used in {year}",
        },
        "fail": {
            "zh": "这将是{year}年第{next_subsidy}次补贴，每人每年最多{annual_cap}次",
            "en": "This would be subsidy no. {next_subsidy} in {year}; at most {annual_cap} a year",
        },
    },
    fields=("year", "subsidies_in_year"),
)

NO_REPEAT = Rule(
    name="no_repeat",
    clause="§3.3.b",
    quota=True,
    applies=_COURSE,
    passes=~col("already_subsidized"),
    message={
        "pass": {
            "zh": "此前未享受过同一职业同一等级的补贴",
            "en": "No earlier subsidy for the same occupation at the same level",
        },
        "fail": {
            "zh": "同一职业同一等级（{occupation}，{level}）已享受过补贴，不可重复享受",
            "en": "{occupation}, {level}, was already subsidized; the same occupation and level is never subsidized twice",
        },
    },
    fields=("occupation", "level"),
)

# Every rule is always evaluated and every failure reported. The order is also the bit order of a
# stored decision's checks, so it only ever grows at the end.
RULES: tuple[Rule, ...] = (
    TRAINING_PLACE,
    CERTIFICATE_OBTAINED,
    ANNUAL_CAP,
    NO_REPEAT,
    NO_PENSION,
    WORK_TRAINING_EMPLOYER,
    WORK_TRAINING_MONTHS,
    PROJECT_GROUP,
    # New rules go last: a stored decision's check bits follow this order (claims.Decision).
    INSURED_EMPLOYEE,
)

# What an eligible claim receives — each outcome cites its clause too (engine.decide computes them).
OUTCOMES: dict[str, dict[str, object]] = {
    "free_training": {
        "clause": "§3.3.d",
        "zh": "属于免费培训对象，个人不承担费用",
        "en": "Free training group: the trainee pays nothing",
    },
    "subsidy_per_rules": {
        "clause": "§3.3.e",
        "zh": "按规定给予职业培训补贴，补贴{subsidy}元，个人承担{trainee_share}元",
        "en": "Subsidy per the rules: {subsidy} CNY; the trainee pays {trainee_share} CNY",
    },
    "living_allowance": {
        "clause": "§3.3.f",
        "zh": "培训{training_days}天，生活费（含交通费）补贴{living_allowance}元",
        "en": "Living allowance incl. transport for {training_days} training days: {living_allowance} CNY",
    },
    "work_training": {
        "clause": "§3.3.g",
        "zh": "以工代训补贴{months_subsidized}个月",
        "en": "Training through work subsidized for {months_subsidized} month(s)",
    },
    "advance": {
        "clause": "§3.3.h",
        "zh": "可先行拨付{advance}元（{advance_ratio}）",
        "en": "{advance} CNY ({advance_ratio}) may be paid in advance",
    },
}
