"""Take the account's name out of every case's ``search_text``: the case search now finds the matching
accounts first and then their cases (``selectors.case_search_q``). With the name in every case, a
company word was in the column of every case of that company, and the trigram index had to read them all.

Cases are rewritten in batches of ids, one statement per batch (PostgreSQL: ``UPDATE … FROM unnest``),
so a million cases take minutes, not hours; the reverse puts the names back the old way.
"""

from django.db import migrations

BATCH = 5000


def _rewrite(apps, schema_editor, *, with_account: bool):
    from guanxi.framework.text import fold
    from guanxi.service.models.cases import case_search_text

    Case = apps.get_model("service", "Case")
    Account = apps.get_model("customers", "Account")
    connection = schema_editor.connection
    table = Case._meta.db_table
    last = 0
    while True:
        rows = list(
            Case.objects.using(connection.alias).filter(pk__gt=last, account__isnull=False).order_by("pk")
            .values_list("pk", "number", "subject", "requester_name", "requester_email", "account_id")[:BATCH]
        )
        if not rows:
            return
        last = rows[-1][0]
        names = {}
        if with_account:
            names = dict(Account.objects.using(connection.alias).filter(pk__in={r[5] for r in rows}).values_list("pk", "name"))
        ids, texts = [], []
        for pk, number, subject, requester_name, requester_email, account_id in rows:
            ids.append(pk)
            if with_account:
                texts.append(fold(" ".join((number, subject, names.get(account_id, ""), requester_email))))
            else:
                texts.append(case_search_text(number, subject, requester_name, requester_email))
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f'UPDATE "{table}" AS c SET search_text = v.t FROM unnest(%s::bigint[], %s::text[]) AS v(id, t) '
                    "WHERE c.id = v.id AND c.search_text IS DISTINCT FROM v.t",
                    [ids, texts],
                )
            else:
                cursor.executemany(f'UPDATE "{table}" SET search_text = %s WHERE id = %s AND search_text <> %s',
                                   [(t, pk, t) for pk, t in zip(ids, texts)])


def forwards(apps, schema_editor):
    _rewrite(apps, schema_editor, with_account=False)


def backwards(apps, schema_editor):
    _rewrite(apps, schema_editor, with_account=True)


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0005_search_visibility_indexes"),
        ("service", "0012_case_escalation_state"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
