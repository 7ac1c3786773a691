from django.db import migrations, models


def columns_to_sheets(apps, schema_editor):
    """A questionnaire answered before several sheets could be: its one sheet, as it was."""
    Questionnaire = apps.get_model("questionnaires", "Questionnaire")
    for questionnaire in Questionnaire.objects.exclude(columns=[]).iterator():
        questionnaire.sheets = [
            {
                "name": questionnaire.sheet_name,
                "columns": questionnaire.columns,
                "header_row": questionnaire.header_row,
                "question_column": questionnaire.question_column,
            }
        ]
        questionnaire.save(update_fields=["sheets"])


def sheets_to_columns(apps, schema_editor):
    Questionnaire = apps.get_model("questionnaires", "Questionnaire")
    for questionnaire in Questionnaire.objects.exclude(sheets=[]).iterator():
        questionnaire.columns = questionnaire.sheets[0]["columns"]
        questionnaire.save(update_fields=["columns"])


class Migration(migrations.Migration):
    dependencies = [
        ("questionnaires", "0006_expert_reason_no_value"),
    ]

    operations = [
        migrations.AddField(
            model_name="questionnaire",
            name="sheets",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="questionnairerow",
            name="sheet",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.RunPython(columns_to_sheets, sheets_to_columns),
        migrations.RemoveField(
            model_name="questionnaire",
            name="columns",
        ),
    ]
