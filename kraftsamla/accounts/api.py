"""API endpoint for the person calling the API: who they are and their roles."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions as drf_permissions
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from kraftsamla.core import access


class MeSerializer(serializers.Serializer):
    email = serializers.EmailField()
    full_name = serializers.CharField()
    is_platform_staff = serializers.BooleanField()
    roles = serializers.ListField(child=serializers.DictField())


class Me(APIView):
    """The logged-in user and their roles."""

    permission_classes = [drf_permissions.IsAuthenticated]
    access_rules = ("accounts.account.view",)

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        access.require(request, "accounts.account.view")
        who = access.access_of(request)
        roles = request.user.organisation_roles.select_related("organisation")
        return Response(
            {
                "email": request.user.email,
                "full_name": request.user.full_name,
                "is_platform_staff": who.is_staff,
                "roles": [{"organisation": r.organisation.slug, "role": r.role} for r in roles],
            }
        )
