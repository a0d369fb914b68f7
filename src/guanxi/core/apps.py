from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "guanxi.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from guanxi.framework.registry import NavItem, registry
        from guanxi.framework.visibility import set_scope_provider

        from . import access_cache
        from .visibility import user_scope

        set_scope_provider(lambda user: access_cache.cached_scope(user, user_scope))
        access_cache.connect()
        from guanxi.framework import jobs

        from .services import notify_job_finished

        jobs.on_finished.append(notify_job_finished)
        user_logged_in.connect(_remember_language, dispatch_uid="guanxi_language")
        registry.add_nav(NavItem("workspace", _("My workspace"), "core:workspace", order=10))
        registry.add_nav(NavItem("settings", _("Settings"), "core:settings", order=900))
        registry.add_nav(NavItem("help", _("Help"), "core:help", order=1000))


def _remember_language(sender, request, user, **kwargs):
    if user.language:
        request.session["guanxi_language"] = user.language
