import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

@pytest.mark.django_db
def test_x(client, molndal, make_user):
    for url in ["/organisationer/", "/organisationer/?kind=municipality&county=14", "/organisationer/molndal/", "/organisationer/goteborgsregionen/", "/organisationer/karta/", "/organisationer/karta/?metric=emissions", "/organisationer/?county=ABC"]:
        with CaptureQueriesContext(connection) as c:
            r = client.get(url)
        print(url, r.status_code, len(c.captured_queries))
    r = client.get("/organisationer/?county=ABC")
    html = r.content.decode()
    i = html.find("errorlist")
    print(html[i-600:i+400])
    r = client.get("/organisationer/molndal/")
    html = r.content.decode()
    i = html.find("<tfoot>")
    print(html[i:i+1500])
    client.force_login(make_user(molndal, "editor"))
    for url in ["/organisationer/molndal/", "/organisationer/molndal/klimatprofil/"]:
        with CaptureQueriesContext(connection) as c:
            r = client.get(url)
        print(url, r.status_code, len(c.captured_queries))
        for q in c.captured_queries: print("   ", q["sql"][:150])
