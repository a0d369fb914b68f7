from django import template
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from guanxi.framework.text import format_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    return format_phone(value, settings.GUANXI_DEFAULT_REGION) if value else ""


@register.simple_tag
def history_url(obj) -> str:
    content_type = ContentType.objects.get_for_model(type(obj))
    return reverse("core:history", args=[content_type.app_label, content_type.model, obj.pk])


@register.filter
def model_label(content_type) -> str:
    model = content_type.model_class() if content_type else None
    return str(model._meta.verbose_name) if model else ""
