"""Read bilingual model fields (`name_sv`, `name_en`) in the active language."""

from django.utils import translation


def tr(obj, field: str) -> str:
    """Return obj.<field>_<lang> for the active language, falling back to Swedish."""
    lang = (translation.get_language() or "sv")[:2]
    value = getattr(obj, f"{field}_{lang}", "") or ""
    return value or getattr(obj, f"{field}_sv", "") or ""


def tr_dict(value: dict | None) -> str:
    """Return the active language's text from a {"sv": ..., "en": ...} dict."""
    if not value:
        return ""
    lang = (translation.get_language() or "sv")[:2]
    return value.get(lang) or value.get("sv") or ""


class Bilingual:
    """Mixin: `obj.t.name` reads name_sv or name_en by the active language."""

    @property
    def t(self):
        obj = self

        class _Reader:
            def __getattr__(self, field):
                return tr(obj, field)

        return _Reader()
