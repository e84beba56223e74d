"""A realistic, deterministic demo data set for Ordos: organizations, a few hundred persons with
statuses on departments' and institutions' rosters, and accounts for every role — the HR bureau
with three (front desk, checker, approver), so that no one takes two deciding steps on one
application (claims/workflow.py).

Everything goes through the same actions as production data, so the demo exercises the real
paths (ID protection, audit log). Running it twice changes nothing.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction
from stdnum.cn import ric, uscc

from skillfund.accounts.models import Role, User
from skillfund.organizations.models import Organization
from skillfund.registry.actions import PersonData, person_register, person_status_add
from skillfund.registry.models import StatusKind

DEMO_PASSWORD = "skillfund-demo"
ORDOS_COUNTIES = ["150602", "150603", "150621", "150622", "150623", "150624", "150625", "150626", "150627"]
OUTSIDE = ["150102", "150203", "610802", "620102", "130102"]  # Hohhot, Baotou, Yulin, Lanzhou, Shijiazhuang

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红玉兰文斌辉鹏宇浩凯婷雪琳晨阳巴特尔乌云其木格娜仁图雅"

# (kind, name, short, industry, ownership, insured)
ORGANIZATIONS = [
    ("training_institution", "鄂尔多斯市东胜区华夏职业技能培训学校", "华夏培训学校", "", "private", False),
    ("training_institution", "鄂尔多斯市康巴什区鑫源职业培训学校", "鑫源培训学校", "", "private", False),
    ("training_institution", "达拉特旗恒信职业技能培训中心", "恒信培训中心", "", "private", False),
    ("training_institution", "准格尔旗安泰安全生产培训中心", "安泰安全培训", "", "private", False),
    ("training_institution", "伊金霍洛旗煤炭安全技术培训中心", "伊旗煤安培训", "", "public", False),
    ("training_institution", "鄂托克旗草原职业技能培训学校", "草原培训学校", "", "private", False),
    ("training_institution", "杭锦旗家政服务培训中心", "杭锦家政培训", "", "private", False),
    ("training_institution", "乌审旗农牧民实用技术培训中心", "乌审农牧培训", "", "public", False),
    ("vocational_school", "鄂尔多斯职业学院", "鄂尔多斯职院", "", "public", False),
    ("vocational_school", "鄂尔多斯市第一中等职业学校", "市一职", "", "public", False),
    ("technical_school", "鄂尔多斯市技工学校", "市技工学校", "", "public", False),
    ("enterprise", "鄂尔多斯市昊华煤业有限责任公司", "昊华煤业", "mining", "", True),
    ("enterprise", "伊金霍洛旗神东矿业服务有限公司", "神东矿业服务", "mining", "", True),
    ("enterprise", "准格尔旗黑岱沟露天煤矿有限公司", "黑岱沟煤矿", "mining", "", True),
    ("enterprise", "鄂尔多斯市新能化工有限公司", "新能化工", "chemicals", "", True),
    ("enterprise", "鄂托克旗蒙西化工园区精细化工有限公司", "蒙西精细化工", "chemicals", "", True),
    ("enterprise", "达拉特旗电力发电有限公司", "达拉特发电", "energy", "", True),
    ("enterprise", "鄂尔多斯市城建工程有限公司", "城建工程", "construction", "", True),
    ("enterprise", "鄂尔多斯市羊绒制品有限公司", "羊绒制品", "manufacturing", "", True),
    ("enterprise", "康巴什区草原饭店有限公司", "草原饭店", "hospitality", "", False),
    ("enterprise", "东胜区安居家政服务有限公司", "安居家政", "services", "", False),
    ("enterprise", "鄂尔多斯市通达物流有限公司", "通达物流", "logistics", "", True),
    ("cooperative", "杭锦旗绒山羊养殖专业合作社", "绒山羊合作社", "agriculture", "", False),
    ("cooperative", "乌审旗沙地农牧民专业合作社", "沙地合作社", "agriculture", "", False),
    ("poverty_workshop", "鄂托克前旗扶贫车间（民族服饰加工）", "前旗扶贫车间", "manufacturing", "", False),
    ("poverty_workshop", "准格尔旗扶贫车间（电子组装）", "准旗扶贫车间", "manufacturing", "", False),
]

# Which department asserts which status (its list or document), and its roster weight.
STATUS_SOURCES = {
    StatusKind.POOR_LABOURER: ("poverty-office", "扶贫办建档立卡名单"),
    StatusKind.POOR_FAMILY_CHILD: ("poverty-office", "扶贫办建档立卡名单"),
    StatusKind.SCHOOL_LEAVER: ("education", "教体局两后生名册"),
    StatusKind.RURAL_TRANSFER: ("agriculture", "农牧局转移就业台账"),
    StatusKind.UNEMPLOYED: ("hrss", "失业登记"),
    StatusKind.TRANSFERRED_WORKER: ("hrss", "企业转岗职工名单"),
    StatusKind.CAPACITY_CUT: ("hrss", "去产能分流职工名单"),
    StatusKind.VETERAN: ("veterans", "退役军人信息采集"),
    StatusKind.DISABLED: ("disabled-federation", "残疾人证"),
    StatusKind.HARD_TO_EMPLOY: ("hrss", "就业困难人员认定"),
    StatusKind.ZERO_EMPLOYMENT_FAMILY: ("hrss", "零就业家庭认定"),
    StatusKind.URBAN_DIBAO_FAMILY: ("civil-affairs", "城市低保名册"),
    StatusKind.COLLEGE_GRADUATE: ("education", "高校毕业生就业报到"),
    StatusKind.EMPLOYEE_INSURED: ("hrss", "社保参保记录"),
    StatusKind.EMPLOYEE_UNINSURED: ("hrss", "用工备案"),
}

ACCOUNTS = [
    ("hr", Role.HR_STAFF, "hrss", "人社局业务员（复核、公示） / HR bureau staff: checks, publishes"),
    (
        "hr_approver",
        Role.HR_STAFF,
        "hrss",
        "人社局审批人（批准、异议处理） / HR bureau approver: approves, decides objections",
    ),
    (
        "hr_clerk",
        Role.HR_STAFF,
        "hrss",
        "人社局窗口受理（代为提交） / HR bureau front desk: submits on applicants' behalf",
    ),
    ("dept_emergency", Role.DEPARTMENT_STAFF, "emergency", "应急管理局 / Emergency Management"),
    ("dept_veterans", Role.DEPARTMENT_STAFF, "veterans", "退役军人事务局 / Veterans Affairs"),
    ("dept_hrss", Role.DEPARTMENT_STAFF, "hrss", "人社局培训科（部门审核） / HR bureau as supervising department"),
    ("institution", Role.INSTITUTION_OPERATOR, "华夏培训学校", "培训机构 / training institution"),
    ("enterprise", Role.ENTERPRISE_OPERATOR, "昊华煤业", "企业 / enterprise"),
    ("finance", Role.FINANCE_OFFICER, "finance", "财政局 / finance bureau"),
    ("auditor", Role.AUDITOR, None, "审计 / auditor (read-only)"),
    ("admin", Role.SYSADMIN, None, "系统管理员 / system administrator"),
]


def _credit_code(n: int, region: str) -> str:
    body = f"91{region}MA{n:07d}"[:17]
    return body + uscc.calc_check_digit(body)


def _id_number(rng: random.Random, region: str) -> str:
    birth = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 365 * 44))
    body = f"{region}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def create_organizations() -> dict[str, Organization]:
    orgs = {}
    for n, (kind, name, short, industry, ownership, insured) in enumerate(ORGANIZATIONS, start=1):
        region = ORDOS_COUNTIES[n % len(ORDOS_COUNTIES)]
        org, _ = Organization.objects.update_or_create(
            credit_code=_credit_code(n, region),
            defaults={
                "kind": kind,
                "name": name,
                "short_name": short,
                "region": region,
                "industry": industry,
                "ownership": ownership,
                "insured": insured,
                "contact_phone": f"0477-8{n:06d}",
            },
        )
        orgs[short] = org
    return orgs


def create_persons(count: int, units: dict[str, Organization], orgs: dict[str, Organization]) -> int:
    rng = random.Random(20191128)
    providers = [o for o in orgs.values() if o.kind in Organization.TRAINING_PROVIDERS]
    employers = [o for o in orgs.values() if o.high_risk]
    kinds = list(STATUS_SOURCES)
    for _ in range(count):
        home = rng.choice(ORDOS_COUNTIES) if rng.random() < 0.85 else rng.choice(OUTSIDE)
        data = PersonData(
            id_number=_id_number(rng, home),
            name=rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
            hukou_region=home,
            hukou_rural=rng.random() < 0.45,
            residence_region=home if rng.random() < 0.7 else rng.choice(ORDOS_COUNTIES),
            job_region=rng.choice(ORDOS_COUNTIES) if rng.random() < 0.6 else "",
            phone=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
            receives_pension=rng.random() < 0.03,
        )
        kind = rng.choice(kinds)
        unit_code, document = STATUS_SOURCES[kind]
        source = units[unit_code]
        roster_org = source if rng.random() < 0.6 else rng.choice(providers)
        if kind == StatusKind.EMPLOYEE_INSURED:  # high-risk employees: emergency management's safety training
            roster_org = units["emergency"] if rng.random() < 0.5 else rng.choice(employers)
        person, _ = person_register(actor=None, data=data, organization=roster_org)
        start = date(2017, 1, 1) + timedelta(days=rng.randrange(0, 900))
        end = None if rng.random() < 0.6 else start + timedelta(days=rng.randrange(180, 1200))
        person_status_add(
            actor=None,
            person=person,
            kind=kind,
            valid_from=start,
            valid_to=end,
            source_org=source,
            source_document=document,
        )
    return count


def create_accounts(units: dict[str, Organization], orgs: dict[str, Organization]) -> list[tuple[str, str, str]]:
    logins = []
    for username, role, org_key, label in ACCOUNTS:
        organization = units.get(org_key) or orgs.get(org_key) if org_key else None
        user, _ = User.objects.update_or_create(
            username=username, defaults={"role": role, "organization": organization, "is_staff": True}
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        logins.append((username, DEMO_PASSWORD, label))
    return logins


@transaction.atomic
def load_demo(*, persons: int = 300) -> list[tuple[str, str, str]]:
    units = {o.unit_code: o for o in Organization.objects.filter(kind=Organization.Kind.GOVERNMENT)}
    orgs = create_organizations()
    create_persons(persons, units, orgs)
    return create_accounts(units, orgs)
