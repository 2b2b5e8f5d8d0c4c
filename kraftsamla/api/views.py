"""The API's documentation page, rendered from the OpenAPI document."""

from django.shortcuts import render

from kraftsamla.core.access import PUBLIC, checks


@checks(PUBLIC)
def docs(request):
    """Render the OpenAPI document as an accessible HTML page (no third-party JavaScript)."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            operations.append(
                {
                    "path": path,
                    "method": method.upper(),
                    "summary": op.get("summary") or op.get("description", ""),
                    "parameters": op.get("parameters", []),
                    "responses": sorted(op.get("responses", {}).keys()),
                    "auth": [list(s)[0] for s in op.get("security", []) if s],
                }
            )
    return render(request, "api/docs.html", {"schema": schema, "operations": operations})
