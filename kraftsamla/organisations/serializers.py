"""Shape the organisation API's responses; field names are the API's contract (OpenAPI)."""

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kraftsamla.organisations import selectors
from kraftsamla.organisations.models import PROFILE_FIELDS, ClimateProfile, Membership, Organisation


class OrganisationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["slug", "name", "kind", "code"]


class OrganisationListSerializer(serializers.ModelSerializer):
    actor_group = serializers.CharField(read_only=True)
    county = serializers.SerializerMethodField()
    fa_region = serializers.SerializerMethodField()
    population_class = serializers.CharField(read_only=True, allow_null=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Organisation
        fields = [
            "slug",
            "name",
            "short_name",
            "kind",
            "actor_group",
            "code",
            "county",
            "population",
            "population_date",
            "population_class",
            "fa_region",
            "is_demo",
            "url",
        ]

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
        }
    )
    def get_county(self, obj):
        return _place(obj, "county")

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
        }
    )
    def get_fa_region(self, obj):
        return _place(obj, "fa_region")

    def get_url(self, obj) -> str:
        request = self.context.get("request")
        path = f"/api/v1/organisations/{obj.slug}/"
        return request.build_absolute_uri(path) if request else path

    def to_representation(self, obj) -> dict:
        """Build the declared fields directly (DRF's per-field machinery was most of the
        API's time); `tests/test_api.py` proves the result equals DRF's own."""
        return {
            "slug": obj.slug,
            "name": obj.name,
            "short_name": obj.short_name,
            "kind": str(obj.kind),
            "actor_group": str(obj.actor_group),
            "code": obj.code,
            "county": self.get_county(obj),
            "population": obj.population,
            "population_date": _iso(obj.population_date),
            "population_class": _str_or_none(obj.population_class),
            "fa_region": self.get_fa_region(obj),
            "is_demo": obj.is_demo,
            "url": self.get_url(obj),
        }


def _place(obj: Organisation, field: str) -> dict | None:
    """The county or FA region as {"code", "name"}: from the related row when it was read
    with the organisation (the list), else from the cached `place_refs` (the detail)."""
    pk = getattr(obj, f"{field}_id")
    if pk is None:
        return None
    if obj._meta.get_field(field).is_cached(obj):
        place = getattr(obj, field)
        return {"code": place.code, "name": place.name}
    return dict(selectors.place_refs()[field][pk])


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _str_or_none(value) -> str | None:
    return str(value) if value is not None else None


class MembershipSerializer(serializers.ModelSerializer):
    member = OrganisationRefSerializer()
    body = OrganisationRefSerializer()

    class Meta:
        model = Membership
        fields = ["member", "body", "role", "start_date", "end_date", "is_demo"]

    def to_representation(self, obj) -> dict:
        """Build the declared fields directly, as `OrganisationListSerializer` does."""
        return _membership(obj)


def _membership(obj: Membership) -> dict:
    """The fields of `MembershipSerializer`."""
    return {
        "member": _ref(obj.member),
        "body": _ref(obj.body),
        "role": str(obj.role),
        "start_date": _iso(obj.start_date),
        "end_date": _iso(obj.end_date),
        "is_demo": obj.is_demo,
    }


def _ref(organisation: Organisation) -> dict:
    """The fields of `OrganisationRefSerializer`."""
    return {
        "slug": organisation.slug,
        "name": organisation.name,
        "kind": str(organisation.kind),
        "code": organisation.code,
    }


class EmissionYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    total_tonnes_co2e = serializers.FloatField()
    tonnes_co2e_per_inhabitant = serializers.FloatField(allow_null=True)
    sectors = serializers.DictField(child=serializers.FloatField())


class ClimateProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClimateProfile
        fields = [*PROFILE_FIELDS, "version", "updated_at"]


class OrganisationDetailSerializer(OrganisationListSerializer):
    belongs_to = serializers.SerializerMethodField()
    members = serializers.SerializerMethodField()
    emissions = serializers.SerializerMethodField()
    climate_profile = serializers.SerializerMethodField()

    class Meta(OrganisationListSerializer.Meta):
        fields = [
            *OrganisationListSerializer.Meta.fields,
            "website",
            "description",
            "belongs_to",
            "members",
            "emissions",
            "climate_profile",
        ]

    def public_representation(self, obj) -> dict:
        """Every field but the climate profile, which depends on the viewer."""
        return {
            **super().to_representation(obj),
            "website": obj.website,
            "description": obj.description,
            "belongs_to": self.get_belongs_to(obj),
            "members": self.get_members(obj),
            "emissions": self.get_emissions(obj),
        }

    def to_representation(self, obj) -> dict:
        return {**self.public_representation(obj), "climate_profile": self.get_climate_profile(obj)}

    def _memberships(self, obj):
        cache = self.context.setdefault("_memberships", {})
        if obj.pk not in cache:
            cache[obj.pk] = selectors.memberships_for_api(obj)
        return cache[obj.pk]

    @extend_schema_field(MembershipSerializer(many=True))
    def get_belongs_to(self, obj):
        return self._memberships(obj)["belongs_to"]

    @extend_schema_field(MembershipSerializer(many=True))
    def get_members(self, obj):
        return self._memberships(obj)["members"]

    @extend_schema_field(EmissionYearSerializer(many=True))
    def get_emissions(self, obj):
        if not obj.is_municipality:
            return []
        return selectors.emission_series_for_api(obj)

    @extend_schema_field(ClimateProfileSerializer(allow_null=True))
    def get_climate_profile(self, obj):
        request = self.context.get("request")
        profile = selectors.climate_profile_for(request if request else AnonymousUser(), obj)
        return ClimateProfileSerializer(profile).data if profile else None
