"""The analytics rollup (feedback.rollup_models, feedback.analytics.rollup)
and the products each fact was counted under.

The facts are emptied: the rollup is built with them, from the products on
each order's lines, so the next refresh (the beat job, the dashboard on a
small database, or ``manage.py analytics_refresh --all``) builds both again."""

import feedback.rollup_models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('feedback', '0006_action_item_state_machine'),
    ]

    operations = [
        migrations.CreateModel(
            name='FactRollup',
            fields=[
                ('pk', models.CompositePrimaryKey('dim', 'level', 'day', 'member', blank=True, editable=False, primary_key=True, serialize=False)),
                ('level', models.PositiveSmallIntegerField(verbose_name='level')),
                ('day', models.IntegerField(verbose_name='first day')),
                ('dim', models.CharField(blank=True, max_length=12, verbose_name='dimension')),
                ('member', models.CharField(blank=True, max_length=40, verbose_name='member')),
                ('orders', models.IntegerField(default=0)),
                ('submitted', models.IntegerField(default=0)),
                ('adjusted', models.IntegerField(default=0)),
                ('qc_decided', models.IntegerField(default=0)),
                ('qc_failed', models.IntegerField(default=0)),
                ('approved', models.IntegerField(default=0)),
                ('short', models.IntegerField(default=0)),
                ('delivered', models.IntegerField(default=0)),
                ('on_time', models.IntegerField(default=0)),
                ('cancelled', models.IntegerField(default=0)),
                ('cases', models.IntegerField(default=0)),
                ('rating_sum', models.IntegerField(default=0)),
                ('rated', models.IntegerField(default=0)),
            ],
            options={
                'verbose_name': 'fact rollup',
                'verbose_name_plural': 'fact rollups',
            },
        ),
        migrations.CreateModel(
            name='LeadTimeRollup',
            fields=[
                ('pk', models.CompositePrimaryKey('dim', 'level', 'day', 'member', 'stage', blank=True, editable=False, primary_key=True, serialize=False)),
                ('level', models.PositiveSmallIntegerField(verbose_name='level')),
                ('day', models.IntegerField(verbose_name='first day')),
                ('dim', models.CharField(blank=True, max_length=12, verbose_name='dimension')),
                ('member', models.CharField(blank=True, max_length=40, verbose_name='member')),
                ('stage', models.CharField(max_length=12, verbose_name='stage')),
                ('n', models.IntegerField(default=0)),
                ('hist', feedback.rollup_models.PackedHistogramField(default='0')),
            ],
            options={
                'verbose_name': 'lead time rollup',
                'verbose_name_plural': 'lead time rollups',
            },
        ),
        migrations.AddField(
            model_name='orderfact',
            name='products',
            field=models.JSONField(default=list, verbose_name='products'),
        ),
        migrations.RunSQL("DELETE FROM feedback_orderfact", migrations.RunSQL.noop),
    ]
