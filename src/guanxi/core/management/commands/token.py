"""``token create USERNAME`` prints the user's API token (making one the first time);
``token revoke USERNAME`` deletes it, so every client using it is locked out."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = _("Create (or show) and revoke API tokens.")

    def add_arguments(self, parser):
        parser.add_argument(
            "action", choices=["create", "revoke"],
            help=_("create: print the user's token, making one if there is none; revoke: delete it."),
        )
        parser.add_argument("username")

    def handle(self, *args, action: str, username: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("There is no user “%(username)s”.") % {"username": username})
        if action == "create":
            if not user.is_active:
                raise CommandError(_("The user “%(username)s” is not active.") % {"username": username})
            token, _created = Token.objects.get_or_create(user=user)
            self.stdout.write(token.key)
        else:
            deleted, _rows = Token.objects.filter(user=user).delete()
            message = _("Revoked the token of %(username)s.") if deleted else _("%(username)s had no token.")
            self.stdout.write(message % {"username": username})
