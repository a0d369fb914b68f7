"""The escalation state of a case moves out of ``service_case`` into ``service_caseescalation``.

The escalation pass changes the level and the miss of thousands of open cases at a time; on the case
row every such write inserted into each of the case table's indexes. The narrow table has its primary
key as its only index. The rows of cases ever warned or escalated are copied over, then
``escalation_level``, ``sla_breached`` and ``case_breached_idx`` leave the case table (on PostgreSQL
a drop of a column is a catalogue change; on SQLite ``ALTER TABLE … DROP COLUMN``, no rebuild).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('service', '0011_case_account_settled'),
    ]

    operations = [
        migrations.CreateModel(
            name='CaseEscalation',
            fields=[
                ('case', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='escalation', serialize=False, to='service.case', verbose_name='case')),
                ('level', models.PositiveSmallIntegerField(default=0, verbose_name='escalation level')),
                ('breached', models.BooleanField(default=False, verbose_name='SLA missed')),
                ('warned_at', models.DateTimeField(blank=True, null=True, verbose_name='warned')),
                ('escalated_at', models.DateTimeField(blank=True, null=True, verbose_name='escalated')),
            ],
            options={
                'verbose_name': 'case escalation',
                'verbose_name_plural': 'case escalations',
            },
        ),
        migrations.RunSQL(
            "INSERT INTO service_caseescalation (case_id, level, breached) "
            "SELECT id, escalation_level, sla_breached FROM service_case WHERE escalation_level > 0 OR sla_breached",
            "UPDATE service_case SET escalation_level = e.level, sla_breached = e.breached "
            "FROM service_caseescalation e WHERE e.case_id = service_case.id",
        ),
        migrations.RemoveIndex(
            model_name='case',
            name='case_breached_idx',
        ),
        migrations.RemoveField(
            model_name='case',
            name='escalation_level',
        ),
        migrations.RemoveField(
            model_name='case',
            name='sla_breached',
        ),
    ]
