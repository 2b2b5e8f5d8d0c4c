"""The organisations app's narrower data scopes (core/versions.py), for cached blocks that
show only part of its data.

- REFERENCE: reference-data releases (`load_reference_data`: counties, FA regions,
  municipalities, emissions, population, boundaries) and demo loads. The map, the
  emissions chart and series, and the county and FA-region choices depend on it only.
- REGISTER: every organisations write except a climate profile, which is shown on its
  organisation's page only (rendered per request there). The list, memberships and the
  API's public part depend on it.
"""

from kraftsamla.core.versions import narrower_scope

REFERENCE_DATA_TYPE = "organisations.reference_data"
CLIMATE_PROFILE_TYPE = "organisations.climateprofile"

REFERENCE = narrower_scope(
    "organisations:reference", object_types=(REFERENCE_DATA_TYPE, "organisations.demo")
)
REGISTER = narrower_scope("organisations:register", excluding=(CLIMATE_PROFILE_TYPE,))
