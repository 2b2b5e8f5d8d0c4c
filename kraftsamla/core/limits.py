"""How long free text may be: one limit per kind of text, used by models, forms and the API.

Models carry the limit as a validator (checked by `full_clean` in the services), forms
and serializers as `max_length` (so the browser says it too), and the audit log keeps
at most `AUDIT_VALUE_MAX` characters of any value.
"""

from django.core.validators import MaxLengthValidator

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
NOTE_MAX = 2000
EVIDENCE_MAX = 2000
COMMENT_MAX = 2000
# Framework content (a capital's definition, a statement) is longer, written by staff.
CONTENT_MAX = 10000

# What the audit log keeps of one text value; the rest is cut and marked.
AUDIT_VALUE_MAX = 500


def text_limit(limit: int) -> dict:
    """Keyword arguments for a TextField limited to `limit` characters (form and model)."""
    return {"max_length": limit, "validators": [MaxLengthValidator(limit)]}
