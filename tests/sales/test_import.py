"""Lead import: GBK-encoded CSV and Excel files, Chinese headers, bad rows reported, good rows kept."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from guanxi.core.models import AuditEntry
from guanxi.sales.models import Lead

CSV = "姓名,公司,电话,邮箱,来源,省份,预算\n王芳,芳华贸易,13800138000,wf@example.com,转介绍,上海市,50000\n,无名公司,13800138001,,,,\n李雷,雷电科技,123,,,,\n韩梅梅,梅花教育,,hmm@example.com,,,很多\n"


def test_csv_in_gbk_with_bad_rows(org, client_for):
    upload = SimpleUploadedFile("线索.csv", CSV.encode("gbk"), "text/csv")
    response = client_for(org.rep).post("/sales/leads/import/", {"file": upload})
    assert response.status_code == 200
    result = response.context["result"]
    assert result.created == 1
    assert [(e["line"], e["field"]) for e in result.errors] == [(3, "name"), (4, "phone"), (5, "budget")]
    lead = Lead.objects.get()
    assert (lead.name, lead.company, lead.source, lead.phone, lead.territory) == ("王芳", "芳华贸易", "referral", "+8613800138000", org.shanghai)
    assert AuditEntry.objects.filter(content_type__model="lead", source="import").count() == 1


def test_excel_and_missing_name_column(org, client_for):
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "company", "email", "rating"])
    sheet.append(["Li Lei", "Lei Tech", "li@example.com", "热"])
    buffer = io.BytesIO()
    book.save(buffer)
    client = client_for(org.rep)
    response = client.post("/sales/leads/import/", {"file": SimpleUploadedFile("leads.xlsx", buffer.getvalue())})
    assert response.context["result"].created == 1 and Lead.objects.get().rating == "hot" and Lead.objects.get().source == "import"
    response = client.post("/sales/leads/import/", {"file": SimpleUploadedFile("x.csv", "公司\n某公司\n".encode())})
    assert response.context["result"].errors[0]["field"] == "name"
    assert client_for(org.analyst).get("/sales/leads/import/").status_code == 403
