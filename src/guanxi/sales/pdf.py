"""The quote as a PDF that renders Chinese: reportlab with its built-in ``STSong-Light`` CID font."""

from __future__ import annotations

import io

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"
_registered = False


def _font() -> str:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True
    return FONT


def _money(value) -> str:
    return intcomma(f"{value:.2f}")


def quote_pdf(quote) -> bytes:
    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=14)
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=22)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm,
                            title=f"{quote.number} v{quote.version}", author="Guanxi")
    labels = {"quote": _("Quote"), "account": _("account"), "contact": _("contact"), "date": _("date"),
              "valid_until": _("valid until"), "owner": _("owner")}
    story = [
        Paragraph(escape(f"{labels['quote']} {quote.number} (v{quote.version})"), title),
        Paragraph(escape(quote.title), body),
        Spacer(1, 4 * mm),
        Paragraph(escape(f"{labels['account']}: {quote.account}"), body),
        Paragraph(escape(f"{labels['contact']}: {quote.contact or '—'}"), body),
        Paragraph(f"{labels['date']}: {timezone.localdate():%Y-%m-%d} · {labels['valid_until']}: {quote.valid_until:%Y-%m-%d}", body),
        Paragraph(escape(f"{labels['owner']}: {quote.owner}"), body),
        Spacer(1, 6 * mm),
    ]
    rows = [[_("product"), _("quantity"), _("unit price"), _("discount (%)"), _("VAT rate (%)"), _("net amount"), _("VAT")]]
    for line in quote.lines.select_related("product"):
        rows.append([Paragraph(escape(line.description or line.product.name), body), f"{line.quantity:g}", _money(line.unit_price),
                     f"{line.discount_percent:g}", f"{line.tax_rate:g}", _money(line.net_amount), _money(line.tax_amount)])
    rows += [
        ["", "", "", "", "", _("subtotal"), _money(quote.subtotal)],
        ["", "", "", "", "", _("discount"), "−" + _money(quote.discount_total)],
        ["", "", "", "", "", _("VAT"), _money(quote.tax_total)],
        ["", "", "", "", "", _("total"), f"{quote.currency} {_money(quote.total)}"],
    ]
    table = Table(rows, colWidths=[58 * mm, 16 * mm, 22 * mm, 16 * mm, 16 * mm, 24 * mm, 26 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")), ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey), ("LINEABOVE", (0, -4), (-1, -4), 0.5, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    story.append(table)
    if quote.terms:
        story += [Spacer(1, 6 * mm), Paragraph(_("terms"), body)] + [Paragraph(escape(p), body) for p in quote.terms.splitlines() if p.strip()]
    doc.build(story)
    return buffer.getvalue()
