"""After the merge of 0007_case_unidentified_requester (account may be empty) and
0008_case_redundant_fk_indexes (account's single-column index dropped): the account is nullable and
unindexed on its own whichever of the two ran first.

Only the index is touched in the database: whichever order the two ran in, the column is nullable
already, and Django's own AlterField would rebuild the whole table on SQLite (and drop the search
triggers with it).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0005_search_visibility_indexes'),
        ('service', '0010_merge_unidentified_and_case_speed'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='case',
                    name='account',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='cases', to='customers.account', verbose_name='account'),
                ),
            ],
            database_operations=[
                migrations.RunSQL('DROP INDEX IF EXISTS "service_case_account_id_871ad10e"',
                                  'CREATE INDEX IF NOT EXISTS "service_case_account_id_871ad10e" ON "service_case" ("account_id")'),
            ],
        ),
    ]
