"""Names of the audit log's action codes, so pages show "拨付 / pay", never "application.pay"
(tests/test_audit_names.py checks that every code the code base records has a name here)."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.utils.translation import get_language

_ZH_EN: dict[str, tuple[str, str]] = {
    "absence.record": ("登记缺勤", "record an absence"),
    "account.unlock": ("解除登录锁定", "unlock a sign-in lockout"),
    "append": ("追加记录", "append a record"),
    "application.create": ("创建补贴申请", "create an application"),
    "application.submit": ("提交申请", "submit an application"),
    "application.verify": ("部门审核真实性", "verify an application (department)"),
    "application.check": ("人社部门审核", "check an application (HR bureau)"),
    "application.publish": ("公示", "publish in a public notice"),
    "application.reopen": ("异议成立，重新审核", "reopen after an upheld objection"),
    "application.approve": ("批准", "approve an application"),
    "application.pay": ("拨付", "pay an application"),
    "application.return": ("退回补正", "return an application for correction"),
    "application.reject": ("不予补贴", "reject an application"),
    "assessment.record": ("登记考核结果", "record an assessment"),
    "attendance.record": ("登记考勤", "record attendance"),
    "audit.export": ("导出审计记录", "export audit records"),
    "budget.approve": ("批准预算", "approve a budget"),
    "budget.resubmit": ("重新上报预算", "resubmit a budget"),
    "budget.submit": ("上报预算", "submit a budget"),
    "catalog.load": ("载入培训目录", "load a training catalog"),
    "catalog.occupations_load": ("载入职业分类", "load the occupations"),
    "certificate.record": ("登记证书", "record a certificate"),
    "claim.decide": ("规则判定", "decide a claim by the rules"),
    "claim.submit": ("提交补贴申请项", "submit a claim"),
    "claims.evaluate": ("批量规则判定", "evaluate claims in a batch"),
    "claims.grant": ("核定补贴", "grant subsidies"),
    "class_plan.add_session": ("增加课次", "add a session"),
    "class_plan.approve": ("批准开班计划", "approve a class plan"),
    "class_plan.close": ("结班", "close a class"),
    "class_plan.create": ("创建开班计划", "create a class plan"),
    "class_plan.file": ("报送开班计划", "file a class plan"),
    "class_plan.reject": ("退回开班计划", "return a class plan"),
    "class_plan.schedule": ("生成课表", "generate a class timetable"),
    "class_plan.update": ("修改开班计划", "change a class plan"),
    "class_session.delete": ("删除课次", "remove a session"),
    "class_session.update": ("修改课次", "change a session"),
    "confirm_selected": ("确认所选", "confirm the selected"),
    "declaration.confirm": ("确认申报的人员类别", "confirm a declared category"),
    "employment.create": ("登记以工代训用工", "record a training-through-work employment"),
    "enrolment.create": ("报名", "enrol"),
    "enrolment.import": ("导入报名花名册", "import a class roster"),
    "enrolment.withdraw": ("退出报名", "withdraw an enrolment"),
    "funds.funding": ("资金到账", "book funding received"),
    "funds.advance": ("预拨", "book an advance"),
    "funds.settlement": ("清算", "book a settlement"),
    "funds.payment": ("拨付", "book a payment"),
    "funds.offset": ("抵扣", "book an offset"),
    "funds.recovery": ("追回", "book a recovery"),
    "funds.recovery_receipt": ("追回款到账", "book recovered money received"),
    "funds.reversal": ("冲销", "book a reversal"),
    "grants.history_import": ("导入以往补贴", "import past subsidies"),
    "material.download": ("下载材料", "download a material"),
    "material.upload": ("上传材料", "upload a material"),
    "material.withdraw": ("撤回材料", "withdraw a material"),
    "notice.object": ("提出异议", "object to a notice"),
    "notice.publish": ("发布公示", "publish a notice"),
    "objection.decide": ("异议处理", "decide an objection"),
    "organization.set_status": ("变更单位状态", "change an organization's status"),
    "bank_account.set": ("设置收款账户", "set a payee's bank account"),
    "payment.bank_file": ("生成银行代发文件", "generate a bank file"),
    "payment.bank_reference": ("登记银行流水号", "record a bank reference"),
    "payment.batch_confirm": ("确认拨付批次", "confirm a payment batch"),
    "payment.batch_create": ("创建拨付批次", "create a payment batch"),
    "payment.line_cancel": ("移出拨付批次", "take a line out of a payment batch"),
    "person.change_accept": ("接受信息变更", "accept a change to a person"),
    "person.change_reject": ("拒绝信息变更", "reject a change to a person"),
    "person.change_request": ("申请信息变更", "request a change to a person"),
    "person.register": ("实名登记", "register a person"),
    "person.register_existing": ("关联已登记人员", "link a registered person"),
    "person.reveal_id": ("查看完整身份证号", "reveal a full ID number"),
    "person.status_add": ("认定人员身份", "assert a status"),
    "person.update": ("更新人员信息", "update a person"),
    "programme.load": ("载入行动方案", "load a programme"),
    "regions.load": ("载入行政区划", "load the regions"),
    "reject_selected": ("拒绝所选", "reject the selected"),
    "roster.import": ("导入花名册", "import a roster"),
    "user.create": ("创建用户", "create a user"),
    "user.role_change": ("变更用户角色", "change a user's role"),
    "user.set_password": ("设置密码", "set a password"),
    "user.totp_enrol": ("绑定第二验证因素", "enrol a second factor"),
    "user.update": ("更新用户", "update a user"),
    "work_training_month.record": ("登记以工代训月份", "record a training-through-work month"),
    "workforce.correct": ("更正就业人员和技能人才基数", "correct the employed-person figures"),
    "workforce.record": ("填报就业人员和技能人才基数", "record the employed-person figures"),
    "worker.bind": ("劳动者手机号实名绑定", "bind a worker's mobile number to their record"),
}
# Generic writes of the back office: "<app>.<model>.create|update|delete".
_GENERIC = {"create": ("新增", "create"), "update": ("修改", "change"), "delete": ("删除", "delete")}


def action_label(code: str) -> str:
    """The action's name in the current language; an unknown code is shown as it is."""
    chinese = (get_language() or "zh-hans").startswith("zh")
    if code in _ZH_EN:
        return _ZH_EN[code][0 if chinese else 1]
    head, _dot, verb = code.rpartition(".")
    if head.count(".") == 1 and verb in _GENERIC:
        try:
            noun = apps.get_model(head)._meta.verbose_name
        except LookupError:
            noun = head
        return f"{_GENERIC[verb][0 if chinese else 1]} {noun}"
    return code


def role_label(code: str) -> str:
    """A role's name (the user model's role choices), e.g. finance_officer → 财政部门经办人."""
    choices = dict(apps.get_model(settings.AUTH_USER_MODEL)._meta.get_field("role").flatchoices)
    return str(choices.get(code, code))


def known_codes() -> frozenset[str]:
    return frozenset(_ZH_EN)
