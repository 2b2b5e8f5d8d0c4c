#!/usr/bin/env bash
# i18n.sh – refresh Kraftsamla's Swedish translation catalogue.
#
# Run this after adding or changing translatable strings ({% translate %},
# {% blocktranslate %}, gettext/_() in Python):
#
#     scripts/i18n.sh          # update sv/django.po, compile django.mo, list what is left
#     scripts/i18n.sh --check  # the same, but exit 1 if any entry is untranslated or fuzzy
#
# What it does:
#   1. makemessages -l sv (from kraftsamla/, so the catalogue is
#      kraftsamla/locale/sv/LC_MESSAGES/django.po; existing translations are kept,
#      new strings get an empty msgstr, changed strings may come back "fuzzy").
#   2. compilemessages -l sv -> django.mo (committed, so deployments need no gettext).
#   3. lists untranslated and fuzzy entries: translate them in django.po, remove
#      the "#, fuzzy" line, and run this script again. tests/test_translations.py
#      fails until every entry is translated.
#
# English is the source language (all msgids are English), so there is no "en"
# catalogue: Django falls back to the msgids. Only the "django" domain is used
# (no djangojs catalogue). Needs GNU gettext (msgmerge, xgettext, msgfmt).
set -euo pipefail

CHECK=0
case "${1:-}" in
  --check) CHECK=1 ;;
  "") ;;
  -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
APP="$ROOT/kraftsamla"
PO="$APP/locale/sv/LC_MESSAGES/django.po"
MO="$APP/locale/sv/LC_MESSAGES/django.mo"

if [[ -x "$ROOT/.venv/bin/python" ]]; then
  PYTHON="$ROOT/.venv/bin/python"
else
  PYTHON="${PYTHON:-python3}"
fi

for tool in xgettext msgmerge msgfmt; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "error: $tool not found; install GNU gettext (e.g. apt-get install gettext)." >&2
    exit 1
  fi
done

# The settings refuse to load without a secret key unless told this is not production;
# makemessages and compilemessages never use the key.
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-kraftsamla.config.settings}"
export KRAFTSAMLA_ALLOW_INSECURE_KEY="${KRAFTSAMLA_ALLOW_INSECURE_KEY:-1}"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"

# Run from kraftsamla/ so makemessages scans only the project's code and templates
# (not .venv, tests or scripts) and writes to kraftsamla/locale (LOCALE_PATHS).
cd "$APP"
mkdir -p "$(dirname "$PO")"

"$PYTHON" "$ROOT/manage.py" makemessages \
  --locale sv \
  --domain django \
  --ignore "static/*" \
  --ignore "locale/*" \
  --add-location file \
  --no-obsolete

# An app-level locale/ directory would silently take that app's strings away from
# the main catalogue; warn if one has appeared.
stray="$(find . -mindepth 2 -type d -name locale -not -path "./locale" -not -path "./static/*" || true)"
if [[ -n "$stray" ]]; then
  echo "warning: extra locale directories found (strings may be split across catalogues):" >&2
  echo "$stray" >&2
fi

"$PYTHON" "$ROOT/manage.py" compilemessages --locale sv --ignore "static/*"

if [[ ! -f "$MO" ]]; then
  echo "error: $MO was not written." >&2
  exit 1
fi

# Report what is left to translate (untranslated or fuzzy; obsolete entries are dropped above).
echo "Catalogue: $PO"
msgfmt --statistics --check-format -o /dev/null "$PO" 2>&1 | sed 's/^/  /'
left="$(msgattrib --no-wrap --only-fuzzy "$PO" 2>/dev/null; msgattrib --no-wrap --untranslated --no-fuzzy "$PO" 2>/dev/null)" || true
left_ids="$(printf '%s\n' "$left" | grep -E '^msgid ' | grep -v '^msgid ""$' || true)"
if [[ -n "$left_ids" ]]; then
  echo
  echo "Still to translate (edit $PO, remove '#, fuzzy', then run $0 again):"
  printf '%s\n' "$left_ids" | sed 's/^/  /'
  if [[ "$CHECK" == 1 ]]; then
    exit 1
  fi
fi
