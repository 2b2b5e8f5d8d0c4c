"""After a write, "similar ideas" answers from the previous index while a new one is built
in the background, and still never shows a project the viewer may no longer see."""

from __future__ import annotations

import pytest

from kraftsamla.core import caching
from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import Role
from kraftsamla.projects import selectors, services
from tests.factories.accounts import UserFactory
from tests.factories.organisations import RegionalBodyFactory
from tests.factories.projects import ProjectFactory
from tests.helpers import PRIVATE, stockholm_municipalities

pytestmark = pytest.mark.django_db


@pytest.fixture
def write(django_capture_on_commit_callbacks):
    """Run a write with its commit callbacks (the data-version bump), as a request does."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


@pytest.fixture
def rebuilds(settings, monkeypatch):
    """Turn serving the previous index on; collect the background builds to run them."""
    settings.KRAFTSAMLA_STALE_WHILE_REBUILD = True
    caching._previous.clear()
    caching._kept.clear()
    queued = []
    monkeypatch.setattr(caching, "in_background", queued.append)
    return queued


@pytest.fixture
def viewer():
    members = stockholm_municipalities(3)
    body = RegionalBodyFactory(members=members)
    user = UserFactory(organisation=body, role=Role.EDITOR)
    return user, members


def _titles(user, text="Återbrukshubb för byggmaterial"):
    return {found.project.title for found in selectors.projects_similar(user, text)}


def test_a_new_idea_is_found_once_the_background_build_is_done(rebuilds, viewer, write):
    user, members = viewer
    write(ProjectFactory, owner=members[0], title="Återbrukshubb för möbler")
    assert _titles(user) == {"Återbrukshubb för möbler"}
    assert rebuilds == []  # nothing to serve meanwhile: built in the request
    write(ProjectFactory, owner=members[1], title="Hubb för återbruk av byggmaterial")
    # The previous index answers at once; one build is started, not one per request.
    assert _titles(user) == {"Återbrukshubb för möbler"}
    assert _titles(user) == {"Återbrukshubb för möbler"}
    assert len(rebuilds) == 1
    rebuilds.pop()()
    assert _titles(user) == {"Återbrukshubb för möbler", "Hubb för återbruk av byggmaterial"}


def test_the_previous_index_never_shows_a_project_hidden_since(rebuilds, viewer, write):
    user, members = viewer
    hub = write(ProjectFactory, owner=members[0], title="Återbrukshubb för möbler")
    write(ProjectFactory, owner=members[1], title="Hubb för återbruk av byggmaterial")
    assert len(_titles(user)) == 2
    write(services.project_update, actor=SYSTEM, project=hub, data={"sharing_level": PRIVATE})
    # Served from the previous index (which still holds it), checked against the database.
    assert _titles(user) == {"Hubb för återbruk av byggmaterial"}
    assert len(rebuilds) == 1
    rebuilds.pop()()
    assert _titles(user) == {"Hubb för återbruk av byggmaterial"}


def test_with_the_setting_off_every_request_sees_the_latest_write(settings, viewer, write):
    settings.KRAFTSAMLA_STALE_WHILE_REBUILD = False
    user, members = viewer
    write(ProjectFactory, owner=members[0], title="Återbrukshubb för möbler")
    assert len(_titles(user)) == 1
    write(ProjectFactory, owner=members[1], title="Hubb för återbruk av byggmaterial")
    assert len(_titles(user)) == 2
