"""``guanxi mailgateway``: an SMTP server that turns inbound mail into cases and threaded replies.

Point the MX (or a forwarding rule) of the support addresses at it; set each queue's inbound
address so that mail to it lands in that queue.
"""

from __future__ import annotations

import logging
import signal
import threading

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Run the SMTP gateway that turns inbound e-mail into cases."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2525)

    def handle(self, *args, host, port, **options):
        from aiosmtpd.controller import Controller

        from guanxi.service import mail

        logging.getLogger("guanxi.service.mail").setLevel(logging.INFO)
        controller = Controller(mail.GatewayHandler(), hostname=host, port=port, data_size_limit=mail.MAX_BYTES + 1024 * 1024)
        controller.start()
        self.stdout.write(_("Mail gateway listening on %(host)s:%(port)d; Ctrl-C stops it.") % {"host": host, "port": port})
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_args: stop.set())
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()
