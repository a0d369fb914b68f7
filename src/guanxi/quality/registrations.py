"""What the data-quality app adds to the registry: the Data quality menu and default role permissions."""

from django.utils.translation import gettext_lazy as _

from guanxi.framework.registry import NavItem, registry

registry.add_nav(NavItem("quality", _("Data quality"), "quality:dashboard", order=80, permission="quality.view_importbatch", children=[
    NavItem("dashboard", _("Overview"), "quality:dashboard", permission="quality.view_importbatch"),
    NavItem("imports", _("Imports"), "quality:importbatch_list", permission="quality.view_importbatch"),
    NavItem("new_import", _("Import a file"), "quality:importbatch_add", permission="quality.add_importbatch"),
    NavItem("mappings", _("Saved column mappings"), "quality:mapping_list", permission="quality.view_importmapping"),
    NavItem("review", _("Duplicate review"), "quality:review_queue", permission="quality.view_duplicatepair"),
    NavItem("merges", _("Merges"), "quality:merge_list", permission="quality.view_mergerecord"),
]))

_IMPORTERS = ["quality.view_importbatch", "quality.add_importbatch", "quality.change_importbatch",
              "quality.view_importmapping", "quality.add_importmapping", "quality.change_importmapping",
              "quality.delete_importmapping"]
for role in ("sales_manager", "marketer", "supervisor"):
    registry.add_role_permissions(role, _IMPORTERS)
registry.add_role_permissions("sales_rep", _IMPORTERS)
registry.add_role_permissions("analyst", ["quality.view_importbatch", "quality.view_importmapping", "quality.view_mergerecord",
                                          "quality.view_duplicatepair", "quality.view_deduperun"])
for role in ("sales_manager", "supervisor"):
    registry.add_role_permissions(role, ["quality.view_mergerecord", "quality.add_mergerecord", "quality.view_duplicatepair",
                                         "quality.add_duplicatepair", "quality.change_duplicatepair", "quality.view_deduperun",
                                         "quality.add_deduperun"])
