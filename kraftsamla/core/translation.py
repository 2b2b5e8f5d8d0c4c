"""Translated content: one field type for text written in Swedish and English.

UI strings use gettext; content (a framework's texts, an offer's title) is stored
per language. `TranslatedField` stores `{"sv": "...", "en": "..."}` in a JSON
column and reads as a `TranslatedText`, whose `str()` is the active language's
text with Swedish as the fallback, so `{{ capital.name }}` and `str(offer.title)`
show the right text. Bilingual parts of JSON structures (a framework's scale,
a statement's level descriptors) are read through `translated(value)`, which
gives the same `TranslatedText`.

Swedish is the primary language: it is required unless the field is `blank`,
English is optional. Assigning a plain string fills the Swedish text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.query_utils import DeferredAttribute
from django.utils import translation
from django.utils.translation import gettext_lazy as _

PRIMARY_LANGUAGE = "sv"
LANGUAGES = ("sv", "en")
LANGUAGE_LABELS = {"sv": _("Swedish"), "en": _("English")}


def active_language() -> str:
    """The active language's code if content exists in it, else the primary language."""
    code = (translation.get_language() or PRIMARY_LANGUAGE)[:2]
    return code if code in LANGUAGES else PRIMARY_LANGUAGE


class TranslatedText(str):
    """Text in Swedish and English; as a string, the text in the language active when read.

    It is a `str` (the active language's text, or the Swedish one if there is no
    translation), so templates, exports and string operations need nothing special,
    and it carries every language: `.sv`, `.en`, `.get(lang)`, `.as_dict()`. Equal to
    another TranslatedText or a {"sv", "en"} dict when all languages match. A model's
    TranslatedField gives a new one on every read, so the language is always current.
    """

    def __new__(cls, texts: Mapping[str, Any] | None = None):
        texts = {lang: str((texts or {}).get(lang) or "") for lang in LANGUAGES}
        text = super().__new__(cls, texts[active_language()] or texts[PRIMARY_LANGUAGE])
        object.__setattr__(text, "_texts", texts)
        return text

    def __setattr__(self, name, value):
        raise AttributeError("TranslatedText is immutable")

    def __repr__(self) -> str:
        return f"TranslatedText({self._texts!r})"

    def __reduce__(self):
        return (TranslatedText, (self._texts,))

    def __eq__(self, other) -> bool:
        if isinstance(other, TranslatedText):
            return self._texts == other._texts
        if isinstance(other, Mapping):
            return self._texts == TranslatedText(other)._texts
        return str.__eq__(self, other)

    def __ne__(self, other) -> bool:
        return not self == other

    __hash__ = str.__hash__

    @property
    def sv(self) -> str:
        return self._texts["sv"]

    @property
    def en(self) -> str:
        return self._texts["en"]

    def get(self, language: str) -> str:
        """The text written in `language` (no fallback; empty if not written)."""
        return self._texts.get(language, "")

    def as_dict(self) -> dict[str, str]:
        """The stored form: {"sv": ..., "en": ...}."""
        return dict(self._texts)


def translated(value) -> TranslatedText:
    """Read a {"sv", "en"} dict (or a TranslatedText, a Swedish string, None) as TranslatedText."""
    if isinstance(value, TranslatedText):
        return value
    if isinstance(value, str):
        return TranslatedText({PRIMARY_LANGUAGE: value})
    return TranslatedText(value)


class TranslatedAttribute(DeferredAttribute):
    """Model attribute that reads as a TranslatedText in the active language, whatever was set."""

    def __get__(self, instance, cls=None):
        value = super().__get__(instance, cls)
        if instance is None or value is None:
            return value
        return TranslatedText(value.as_dict())

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = None if value is None else translated(value)


class TranslatedWidget(forms.MultiWidget):
    """One labelled input per language; the Swedish input keeps the field's own name."""

    template_name = "core/widgets/translated.html"
    languages = LANGUAGES

    def __init__(self, *, multiline: bool = False, attrs=None):
        widgets = {
            ("" if lang == PRIMARY_LANGUAGE else lang): (
                forms.Textarea(attrs={"rows": 4}) if multiline else forms.TextInput()
            )
            for lang in self.languages
        }
        super().__init__(widgets, attrs)

    def decompress(self, value):
        text = translated(value)
        return [text.get(lang) for lang in self.languages]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        base_id = context["widget"]["attrs"].get("id")
        for lang, subwidget in zip(self.languages, context["widget"]["subwidgets"], strict=True):
            subwidget["language"] = lang
            subwidget["language_label"] = LANGUAGE_LABELS[lang]
            subwidget["attrs"]["lang"] = lang
            if base_id:
                subwidget["attrs"]["id"] = f"{base_id}_{lang}"
        return context


class TranslatedFormField(forms.MultiValueField):
    """Form field for a TranslatedField: Swedish required (if the field is), English optional."""

    default_error_messages = {
        "language_required": _("%(language)s: this field is required."),
        "language_too_long": _(
            "%(language)s: at most %(limit_value)d characters (it has %(show_value)d)."
        ),
    }

    def __init__(self, *, max_length: int | None = None, widget=None, **kwargs):
        self.max_length = max_length
        fields = [forms.CharField(required=False) for _lang in LANGUAGES]
        widget = widget or TranslatedWidget(multiline=max_length is None)
        super().__init__(fields=fields, widget=widget, require_all_fields=False, **kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if self.max_length is not None:
            for subwidget in widget.widgets:
                subwidget.attrs["maxlength"] = str(self.max_length)
        return attrs

    def compress(self, data_list) -> TranslatedText:
        return TranslatedText(dict(zip(LANGUAGES, data_list or [], strict=False)))

    def validate(self, value: TranslatedText) -> None:
        errors = []
        if self.required and not value.get(PRIMARY_LANGUAGE):
            errors.append(self._language_error("language_required", PRIMARY_LANGUAGE))
        for lang in LANGUAGES:
            if self.max_length is not None and len(value.get(lang)) > self.max_length:
                errors.append(self._language_error("language_too_long", lang, value.get(lang)))
        if errors:
            raise ValidationError(errors)

    def clean(self, value):
        # MultiValueField reports "all inputs empty" generically; name the missing language.
        if self.required and not any(value or []):
            raise self._language_error("language_required", PRIMARY_LANGUAGE)
        return super().clean(value)

    def has_changed(self, initial, data) -> bool:
        return translated(initial) != self.compress(data if isinstance(data, list) else [])

    def _language_error(self, code: str, lang: str, text: str = "") -> ValidationError:
        return ValidationError(
            self.error_messages[code],
            code=code,
            params={
                "language": LANGUAGE_LABELS[lang],
                "limit_value": self.max_length,
                "show_value": len(text),
            },
        )


class TranslatedField(models.JSONField):
    """Content in Swedish and English, stored as {"sv": ..., "en": ...}; reads as TranslatedText.

    Swedish is required unless `blank=True`; English is optional. `max_length`
    limits each language's text.
    """

    descriptor_class = TranslatedAttribute
    default_error_messages = TranslatedFormField.default_error_messages

    def __init__(self, verbose_name=None, name=None, *, max_length: int | None = None, **kwargs):
        self.text_max_length = max_length
        super().__init__(verbose_name, name, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.text_max_length is not None:
            kwargs["max_length"] = self.text_max_length
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        value = super().from_db_value(value, expression, connection)
        # Key lookups (title__sv) read one language's plain text: leave those alone.
        return translated(value) if isinstance(value, dict) else value

    def to_python(self, value):
        return None if value is None else translated(value)

    def get_prep_value(self, value):
        if isinstance(value, TranslatedText):
            value = value.as_dict()
        return super().get_prep_value(value)

    def validate(self, value, model_instance) -> None:
        super().validate(None if value is None else translated(value).as_dict(), model_instance)
        text = translated(value)
        errors = []
        if not self.blank and not text.get(PRIMARY_LANGUAGE):
            errors.append(self._language_error("language_required", PRIMARY_LANGUAGE, ""))
        for lang in LANGUAGES:
            if self.text_max_length is not None and len(text.get(lang)) > self.text_max_length:
                errors.append(self._language_error("language_too_long", lang, text.get(lang)))
        if errors:
            raise ValidationError(errors)

    def _language_error(self, code: str, lang: str, text: str) -> ValidationError:
        return ValidationError(
            self.error_messages[code],
            code=code,
            params={
                "language": LANGUAGE_LABELS[lang],
                "limit_value": self.text_max_length,
                "show_value": len(text),
            },
        )

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        return self.get_prep_value(value) if value is not None else None

    def formfield(self, **kwargs):
        return models.Field.formfield(
            self,
            **{"form_class": TranslatedFormField, "max_length": self.text_max_length, **kwargs},
        )
