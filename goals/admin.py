"""Read-mostly admin views: goals are written through the SMART form and the API."""

from django.contrib import admin

from goals.models import Goal, GoalChange, Quota


class GoalChangeInline(admin.TabularInline):
    model = GoalChange
    extra = 0
    can_delete = False
    readonly_fields = ["field", "old_value", "new_value", "changed_by", "changed_at", "reason"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ["title", "kpi", "scope_type", "scope_id", "status", "progress", "deadline"]
    list_filter = ["status", "scope_type", "objective"]
    search_fields = ["title"]
    raw_id_fields = ["owner", "created_by", "parent"]
    inlines = [GoalChangeInline]

    def has_add_permission(self, request):
        # New goals must pass the SMART check of goals.services.
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Quota)
class QuotaAdmin(admin.ModelAdmin):
    list_display = ["__str__", "owner", "team", "period", "start", "amount"]
    list_filter = ["period"]
    raw_id_fields = ["owner"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
