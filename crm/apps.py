from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("CRM")

    def ready(self):
        from crm import checks, search  # noqa: F401  registers deploy checks and `__fold`
        from crm.navigation import register_crm_links

        register_crm_links()
