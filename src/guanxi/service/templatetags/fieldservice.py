"""``{% case_work_orders case %}``: the work orders of a case on its page, with "Create work order"."""

from django import template

register = template.Library()


@register.inclusion_tag("service/fieldservice/_case_work_orders.html", takes_context=True)
def case_work_orders(context, case):
    from ..fieldservice_selectors import work_orders_of_case

    user = context["request"].user
    if not user.has_perm("service.view_workorder"):
        return {"hidden": True}
    return {"case": case, "work_orders": list(work_orders_of_case(case=case, user=user)[:10]),
            "can_add": user.has_perm("service.add_workorder")}
