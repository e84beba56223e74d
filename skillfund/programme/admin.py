"""Back office for the programme (§2, §3.1, Annex). Every role reads it; HR edits it; a
department sees only its own annual task (谁主管、谁负责, §4.3.c)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin import RelatedOnlyFieldListFilter

from skillfund.accounts.admin_scoping import ScopedAdminMixin, ScopedModelAdmin
from skillfund.programme.models import (
    AnnexTask,
    BudgetDeadline,
    PlanUnit,
    Programme,
    RatioTarget,
    Stage,
    TrainingPlan,
)


class BudgetDeadlineInline(ScopedAdminMixin, admin.TabularInline):
    """§4.2.b as the programme file states it."""

    model = BudgetDeadline
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(ScopedModelAdmin):
    list_display = ("name", "region", "document_number", "issued_on", "start_year", "end_year", "total_target")
    search_fields = ("name", "document_number")
    inlines = (BudgetDeadlineInline,)


@admin.register(Stage)
class StageAdmin(ScopedModelAdmin):
    list_display = ("programme", "number", "name", "year", "target", "clause")
    list_filter = ("programme",)


@admin.register(RatioTarget)
class RatioTargetAdmin(ScopedModelAdmin):
    list_display = ("programme", "code", "description", "min_percent", "by_date", "clause")
    list_filter = ("programme",)


class PlanUnitInline(ScopedAdminMixin, admin.TabularInline):
    model = PlanUnit
    extra = 0


@admin.register(TrainingPlan)
class TrainingPlanAdmin(ScopedModelAdmin):
    list_display = ("clause", "name", "programme")
    list_filter = ("programme",)
    inlines = (PlanUnitInline,)


@admin.register(PlanUnit)
class PlanUnitAdmin(ScopedModelAdmin):
    list_display = ("plan", "position", "unit")
    list_filter = ("plan__programme", ("unit", RelatedOnlyFieldListFilter))
    list_select_related = ("plan", "unit")


@admin.register(AnnexTask)
class AnnexTaskAdmin(ScopedModelAdmin):
    list_display = ("number", "unit", "training", "annual_target", "clause", "programme")
    list_filter = ("programme", ("unit", RelatedOnlyFieldListFilter))
    list_select_related = ("unit", "programme")
    search_fields = ("training", "training_en", "code")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = self.get_queryset(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
