"""Framework texts: the `<field>_sv` / `<field>_en` column pairs become one TranslatedField each."""

from django.db import migrations, models

import kraftsamla.core.translation

# model name -> {field: (verbose name, max_length, blank)}
TRANSLATED = {
    "framework": {
        "title": ("title", 200, False),
        "overall": ("about transition capacity", None, False),
        "building_order": ("why this order", None, True),
    },
    "capital": {
        "name": ("name", 100, False),
        "definition": ("definition", None, False),
        "question": ("guiding question", None, False),
    },
    "statement": {"text": ("statement", None, False)},
}


def columns_to_translated(apps, schema_editor):
    """Copy each `<field>_sv` / `<field>_en` pair into the field's {"sv", "en"} value."""
    for model_name, fields in TRANSLATED.items():
        model = apps.get_model("capacity", model_name)
        rows = list(model.objects.all())
        for row in rows:
            for field in fields:
                setattr(
                    row,
                    field,
                    {"sv": getattr(row, f"{field}_sv"), "en": getattr(row, f"{field}_en")},
                )
        model.objects.bulk_update(rows, list(fields), batch_size=500)


def translated_to_columns(apps, schema_editor):
    """Reverse: fill the `<field>_sv` / `<field>_en` columns from the translated value."""
    for model_name, fields in TRANSLATED.items():
        model = apps.get_model("capacity", model_name)
        rows = list(model.objects.all())
        for row in rows:
            for field in fields:
                text = kraftsamla.core.translation.translated(getattr(row, field))
                setattr(row, f"{field}_sv", text.sv)
                setattr(row, f"{field}_en", text.en)
        columns = [f"{field}_{lang}" for field in fields for lang in ("sv", "en")]
        model.objects.bulk_update(rows, columns, batch_size=500)


def _add(model_name, field, verbose_name, max_length, blank):
    return migrations.AddField(
        model_name=model_name,
        name=field,
        field=kraftsamla.core.translation.TranslatedField(
            verbose_name=verbose_name, max_length=max_length, blank=blank, default=dict
        ),
        preserve_default=blank,
    )


def _column_with_default(model_name, field, lang, verbose_name, max_length, blank):
    """The old column with a default, so that unapplying its removal can refill existing rows."""
    label = f"{verbose_name} ({'Swedish' if lang == 'sv' else 'English'})"
    column = (
        models.CharField(label, max_length=max_length, default="")
        if max_length
        else models.TextField(label, blank=blank, default="")
    )
    return migrations.AlterField(model_name=model_name, name=f"{field}_{lang}", field=column)


class Migration(migrations.Migration):
    dependencies = [
        ("capacity", "0001_initial"),
    ]

    operations = [
        *[
            _add(model_name, field, *spec)
            for model_name, fields in TRANSLATED.items()
            for field, spec in fields.items()
        ],
        migrations.RunPython(columns_to_translated, translated_to_columns),
        *[
            _column_with_default(model_name, field, lang, *spec)
            for model_name, fields in TRANSLATED.items()
            for field, spec in fields.items()
            for lang in ("sv", "en")
        ],
        *[
            migrations.RemoveField(model_name=model_name, name=f"{field}_{lang}")
            for model_name, fields in TRANSLATED.items()
            for field in fields
            for lang in ("sv", "en")
        ],
    ]
