"""Translated content: the TranslatedField and TranslatedText, their migrations, bilingual pages."""

from __future__ import annotations

import importlib
import pickle
from types import SimpleNamespace

import pytest
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from kraftsamla.capacity.models import Capital
from kraftsamla.core.translation import (
    TranslatedFormField,
    TranslatedText,
    translated,
)
from kraftsamla.support import services
from kraftsamla.support.models import Offer
from tests.factories.capacity import (
    FrameworkFactory,
)
from tests.helpers import (
    COORDINATOR,
    demo_user,
    translate,
)

BOTH = {"sv": "Politiskt kapital", "en": "Political capital"}


# --- TranslatedText ----------------------------------------------------------------------


@pytest.mark.parametrize(("language", "expected"), [("sv", BOTH["sv"]), ("en", BOTH["en"])])
def test_text_reads_in_the_active_language(language, expected):
    with translation.override(language):
        text = TranslatedText(BOTH)
        assert str(text) == expected and f"{text}" == expected
    assert (text.sv, text.en, text.get("en"), text.get("de")) == (
        BOTH["sv"],
        BOTH["en"],
        BOTH["en"],
        "",
    )


def test_text_falls_back_to_swedish_when_not_translated():
    with translation.override("en"):
        assert str(TranslatedText({"sv": "Bara svenska"})) == "Bara svenska"
        assert str(translated("Skrivet på svenska")) == "Skrivet på svenska"
        assert str(translated(None)) == "" and not translated(None)


def test_text_equals_its_dict_and_is_immutable_and_picklable():
    text = TranslatedText(BOTH)
    assert text == BOTH and text == TranslatedText(dict(BOTH)) and text != {"sv": BOTH["sv"]}
    assert TranslatedText({"sv": "x"}) == {"sv": "x", "en": ""}
    assert text.as_dict() == BOTH and translated(BOTH) == text
    with pytest.raises(AttributeError):
        text.sv = "Annat"
    assert pickle.loads(pickle.dumps(text)) == text


# --- The model field ---------------------------------------------------------------------


@pytest.mark.django_db
def test_field_stores_both_languages_and_reads_in_the_active_one():
    framework = FrameworkFactory(version="translation-test", make_current=False)
    capital = Capital.objects.get(framework=framework, key="political")
    assert (
        Capital.objects.filter(framework=framework, name__en="Capital political").get() == capital
    )
    stored = Capital.objects.filter(pk=capital.pk).values_list("name", flat=True).get()
    assert stored == {"sv": "Capital political (sv)", "en": "Capital political"}
    with translation.override("en"):
        assert str(Capital.objects.get(pk=capital.pk).name) == "Capital political"
    with translation.override("sv"):
        assert str(capital.name) == "Capital political (sv)"
    capital.name = "Nytt namn"  # a plain string is the Swedish text
    capital.save()
    capital.refresh_from_db()
    assert capital.name == {"sv": "Nytt namn", "en": ""}


@pytest.mark.parametrize("language", ["sv", "en"])
def test_field_requires_swedish_and_limits_each_language_in_the_active_language(language):
    field = Capital._meta.get_field("name")  # max_length=100
    field.clean({"sv": "Namn", "en": ""}, None)  # English is optional
    with translation.override(language), pytest.raises(ValidationError) as info:
        field.clean({"sv": "", "en": "Only English"}, None)
    with translation.override(language):
        assert info.value.messages == [
            translate("%(language)s: this field is required.", language)
            % {"language": translate("Swedish", language)}
        ]
    with translation.override(language), pytest.raises(ValidationError) as info:
        field.clean({"sv": "Namn", "en": "x" * 101}, None)
    with translation.override(language):
        expected = translate(
            "%(language)s: at most %(limit_value)d characters (it has %(show_value)d).", language
        ) % {"language": translate("English", language), "limit_value": 100, "show_value": 101}
        assert info.value.messages == [expected]
    # A blank field may be empty in both languages.
    blank = type(field)(blank=True, max_length=10)
    blank.clean({}, None)


class TitleForm(forms.Form):
    title = TranslatedFormField(label="Title", max_length=20)


def test_form_field_renders_a_labelled_input_per_language():
    html = str(TitleForm(initial={"title": TranslatedText(BOTH)})["title"])
    assert 'name="title"' in html and 'name="title_en"' in html
    assert 'id="id_title_sv"' in html and 'id="id_title_en"' in html
    assert f'<label for="id_title_sv">{translate("Swedish")}</label>' in html
    assert f'<label for="id_title_en">{translate("English")}</label>' in html
    assert f'value="{BOTH["sv"]}"' in html and f'value="{BOTH["en"]}"' in html


def test_form_field_round_trip_and_errors():
    form = TitleForm({"title": "Hej", "title_en": "Hello"})
    assert form.is_valid() and form.cleaned_data["title"] == {"sv": "Hej", "en": "Hello"}
    assert TitleForm({"title": "Hej"}).is_valid()  # English optional
    with translation.override("sv"):
        form = TitleForm({"title": "", "title_en": "Hello"})
        assert not form.is_valid()
        assert form.errors["title"] == [
            translate("%(language)s: this field is required.") % {"language": translate("Swedish")}
        ]
        assert not TitleForm({"title": "Hej", "title_en": "x" * 21}).is_valid()
    unchanged = TitleForm({"title": BOTH["sv"], "title_en": BOTH["en"]}, initial={"title": BOTH})
    assert not unchanged.has_changed()


# --- The data migrations -----------------------------------------------------------------


class FakeManager:
    def __init__(self, rows):
        self.rows, self.updated = rows, []

    def all(self):
        return list(self.rows)

    def bulk_update(self, rows, fields, batch_size=None):
        self.updated.append(sorted(fields))


def fake_apps(**managers):
    return SimpleNamespace(
        get_model=lambda app, name: SimpleNamespace(objects=managers[name.lower()])
    )


def test_capacity_migration_copies_the_language_columns_into_the_field():
    migration = importlib.import_module("kraftsamla.capacity.migrations.0002_translated_fields")
    framework = SimpleNamespace(
        **{
            f"{f}_{lang}": f"{f} {lang}"
            for f in ("title", "overall", "building_order")
            for lang in ("sv", "en")
        }
    )
    capital = SimpleNamespace(
        **{
            f"{f}_{lang}": f"{f} {lang}"
            for f in ("name", "definition", "question")
            for lang in ("sv", "en")
        }
    )
    statement = SimpleNamespace(text_sv="Påstående", text_en="Statement")
    managers = {
        "framework": FakeManager([framework]),
        "capital": FakeManager([capital]),
        "statement": FakeManager([statement]),
    }
    migration.columns_to_translated(fake_apps(**managers), None)
    assert framework.title == {"sv": "title sv", "en": "title en"}
    assert capital.question == {"sv": "question sv", "en": "question en"}
    assert statement.text == {"sv": "Påstående", "en": "Statement"}
    assert managers["capital"].updated == [["definition", "name", "question"]]

    statement.text = TranslatedText({"sv": "Omskrivet", "en": ""})
    statement.text_sv = statement.text_en = None
    migration.translated_to_columns(fake_apps(**managers), None)
    assert (statement.text_sv, statement.text_en) == ("Omskrivet", "")


def test_offer_migration_makes_catalogue_offers_bilingual_and_keeps_typed_text_swedish():
    migration = importlib.import_module("kraftsamla.support.migrations.0003_offer_translated_texts")
    item = services.load_catalogue()[0]
    title, description = item["title"], item["description"]
    imported_sv = SimpleNamespace(
        catalogue_key=item["key"], title_text=title["sv"], description_text=description["sv"]
    )
    imported_en = SimpleNamespace(
        catalogue_key=item["key"], title_text=title["en"], description_text=description["en"]
    )
    edited = SimpleNamespace(
        catalogue_key=item["key"], title_text="Vår egen rubrik", description_text=description["sv"]
    )
    typed = SimpleNamespace(catalogue_key="", title_text="Kurs", description_text="Om kursen.")
    manager = FakeManager([imported_sv, imported_en, edited, typed])
    migration.texts_to_translated(fake_apps(offer=manager), None)
    assert imported_sv.title == title and imported_sv.description == description
    assert imported_en.title == title and imported_en.description == description
    assert edited.title == {"sv": "Vår egen rubrik", "en": ""} and edited.description == description
    assert typed.title == {"sv": "Kurs", "en": ""} and typed.description == {
        "sv": "Om kursen.",
        "en": "",
    }

    typed.title = TranslatedText({"sv": "Kurs", "en": "Course"})
    typed.description = TranslatedText({"sv": "Om kursen.", "en": ""})
    migration.translated_to_texts(fake_apps(offer=manager), None)
    assert (typed.title_text, typed.description_text) == ("Kurs", "Om kursen.")


# --- Bilingual pages ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_catalogue_shows_in_the_visitors_language_whoever_imported_it(client, gr, language):
    coordinator = demo_user(COORDINATOR)
    client.force_login(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en" if language == "sv" else "sv"
    assert client.post(reverse("support:import", args=[gr.slug])).status_code == 302
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    other = "sv" if language == "en" else "en"
    page = client.get(reverse("support:offers", args=[gr.slug])).content.decode()
    for item in services.load_catalogue()[:5]:
        assert item["title"][language] in page and item["title"][other] not in page
    offer = Offer.objects.get(provider=gr, catalogue_key=services.load_catalogue()[0]["key"])
    page = client.get(offer.get_absolute_url()).content.decode()
    assert services.load_catalogue()[0]["description"][language] in page


@pytest.mark.django_db
def test_the_framework_page_shows_level_descriptors_in_the_visitors_language(client):
    FrameworkFactory(version="translation-page", make_current=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("capacity:framework")).content.decode()
    assert "political-1 level 3" in page and "political-1 level 3 (sv)" not in page
    assert "Capital political" in page and "Capital political (sv)" not in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    page = client.get(reverse("capacity:framework")).content.decode()
    assert "political-1 level 3 (sv)" in page and "Capital political (sv)" in page


@pytest.mark.django_db
def test_the_api_gives_framework_texts_in_both_languages(client):
    FrameworkFactory(version="translation-api", make_current=True)
    detail = client.get("/api/v1/capacity/frameworks/translation-api/").json()
    assert detail["title"] == {"sv": "Test framework (sv)", "en": "Test framework"}
    political = detail["capitals"][0]
    assert political["name"] == {"sv": "Capital political (sv)", "en": "Capital political"}
    assert political["statements"][0]["text"]["en"] == "Statement 1 about political"


@pytest.mark.django_db
def test_offer_form_and_admin_edit_both_languages(client, gr, django_user_model):
    services.starter_catalogue_import(actor=demo_user(COORDINATOR), provider=gr)
    offer = Offer.objects.filter(provider=gr).first()
    client.force_login(demo_user(COORDINATOR))
    page = client.get(reverse("support:offer_edit", args=[gr.slug, offer.pk])).content.decode()
    assert f"<legend>{translate('Title')}" in page
    assert 'id="id_title_sv"' in page and 'id="id_title_en"' in page
    assert f'value="{offer.title.en}"' in page and f'value="{offer.title.sv}"' in page

    admin = django_user_model.objects.create_superuser(
        email="translation-admin@test.example", password="x-very-secret-1"
    )
    client.force_login(admin)
    page = client.get(reverse("admin:support_offer_change", args=[offer.pk])).content.decode()
    assert 'name="title"' in page and 'name="title_en"' in page and offer.title.en in page
    capital = Capital.objects.filter(
        framework=FrameworkFactory(version="translation-admin", make_current=False)
    ).first()
    page = client.get(reverse("admin:capacity_capital_change", args=[capital.pk])).content.decode()
    assert 'name="name_en"' in page and 'name="statements-0-text_en"' in page
