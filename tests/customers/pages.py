"""Reading what the web UI returned: list rows, exports, search results."""

from __future__ import annotations

import csv
import io

from django import forms

from openpyxl import load_workbook


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def text(response) -> str:
    return body(response).decode("utf-8")


def row_pks(response) -> set[int]:
    """The primary keys of the rows a list page shows."""
    assert response.status_code == 200, response.status_code
    return {obj.pk for obj in response.context["table"].objects}


def csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    content = body(response).decode("utf-8")
    assert content.startswith("\ufeff"), "the CSV starts with a BOM so that Excel reads UTF-8"
    return list(csv.DictReader(io.StringIO(content.lstrip("\ufeff"))))


def xlsx_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(body(response)), read_only=True).worksheets[0]
    rows = [[("" if value is None else str(value)) for value in row] for row in sheet.iter_rows(values_only=True)]
    header, data = rows[0], rows[1:]
    return [dict(zip(header, row)) for row in data]


def exported_ids(rows: list[dict[str, str]]) -> set[int]:
    return {int(row["ID"]) for row in rows}


def search_titles(response) -> set[str]:
    """Titles of the global search's results (full page or htmx partial)."""
    assert response.status_code == 200, response.status_code
    return {result["title"] for group in response.context["groups"] for result in group["results"]}


def lookup_pks(response) -> set[int]:
    assert response.status_code == 200, response.status_code
    return {obj.pk for obj in response.context["results"]}


def form_data(response, **changes) -> dict:
    """What a browser would post back from the form on ``response``, with ``changes`` applied.

    Unchanged fields keep the values the page showed, so a test edits one field the way a user does.
    """
    assert response.status_code == 200, response.status_code
    form = response.context["form"]
    data: dict = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
            continue
        if isinstance(field, (forms.MultipleChoiceField, forms.ModelMultipleChoiceField)):
            data[name] = [str(getattr(v, "pk", v)) for v in value or ()]
        elif value is None:
            data[name] = ""
        elif isinstance(value, (list, tuple)):
            data[name] = [str(v.pk if hasattr(v, "pk") else v) for v in value]
        elif hasattr(value, "pk"):
            data[name] = str(value.pk)
        elif hasattr(value, "isoformat"):
            data[name] = value.strftime("%Y-%m-%dT%H:%M") if hasattr(value, "hour") else value.isoformat()
        else:
            data[name] = str(value)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data
