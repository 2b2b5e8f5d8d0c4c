"""Offers: title and description become TranslatedFields ({"sv": ..., "en": ...}).

A typed-in offer's text goes to the Swedish slot. An offer imported from the starter
catalogue gets both languages from the catalogue, unless its provider has edited it
(its text then matches neither language of the catalogue item and stays Swedish).
"""

import json
from pathlib import Path

from django.db import migrations, models

import kraftsamla.core.translation

CATALOGUE_FILE = (
    Path(__file__).resolve().parents[2] / "capacity" / "framework_data" / "starter_offers.json"
)


def load_catalogue_texts(path: Path = CATALOGUE_FILE) -> dict[str, dict]:
    """The catalogue's texts by key: {key: {"title": {"sv", "en"}, "description": {...}}}."""
    items = json.loads(path.read_text(encoding="utf-8"))
    return {i["key"]: {"title": i["title"], "description": i["description"]} for i in items}


def bilingual_text(text: str, catalogue_text: dict | None) -> dict:
    """The {"sv", "en"} value for a stored text, in both languages if it is the catalogue's."""
    if catalogue_text and text in (catalogue_text.get("sv"), catalogue_text.get("en")):
        return {"sv": catalogue_text["sv"], "en": catalogue_text["en"]}
    return {"sv": text, "en": ""}


def texts_to_translated(apps, schema_editor):
    offer_model = apps.get_model("support", "Offer")
    catalogue = load_catalogue_texts()
    rows = list(offer_model.objects.all())
    for offer in rows:
        item = catalogue.get(offer.catalogue_key) if offer.catalogue_key else None
        for field in ("title", "description"):
            old = getattr(offer, f"{field}_text")
            setattr(offer, field, bilingual_text(old, item[field] if item else None))
    offer_model.objects.bulk_update(rows, ["title", "description"], batch_size=500)


def translated_to_texts(apps, schema_editor):
    offer_model = apps.get_model("support", "Offer")
    rows = list(offer_model.objects.all())
    for offer in rows:
        for field in ("title", "description"):
            text = kraftsamla.core.translation.translated(getattr(offer, field))
            setattr(offer, f"{field}_text", text.sv or text.en)
    offer_model.objects.bulk_update(rows, ["title_text", "description_text"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0002_offer_target_groups_optional"),
    ]

    operations = [
        migrations.RenameField(model_name="offer", old_name="title", new_name="title_text"),
        migrations.RenameField(
            model_name="offer", old_name="description", new_name="description_text"
        ),
        migrations.AddField(
            model_name="offer",
            name="title",
            field=kraftsamla.core.translation.TranslatedField(
                verbose_name="title", max_length=200, default=dict
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="offer",
            name="description",
            field=kraftsamla.core.translation.TranslatedField(
                verbose_name="description", default=dict
            ),
            preserve_default=False,
        ),
        migrations.RunPython(texts_to_translated, translated_to_texts),
        # Defaults, so that unapplying the removals can refill existing rows.
        migrations.AlterField(
            model_name="offer",
            name="title_text",
            field=models.CharField(max_length=200, verbose_name="title", default=""),
        ),
        migrations.AlterField(
            model_name="offer",
            name="description_text",
            field=models.TextField(verbose_name="description", default=""),
        ),
        migrations.RemoveField(model_name="offer", name="title_text"),
        migrations.RemoveField(model_name="offer", name="description_text"),
        migrations.AlterModelOptions(
            name="offer",
            options={
                "ordering": ["title__sv"],
                "verbose_name": "offer",
                "verbose_name_plural": "offers",
            },
        ),
    ]
