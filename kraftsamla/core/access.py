"""The one vocabulary for who may see and do what.

Every domain app writes its rules in its own `policies.py` and registers them
here (the app's `AppConfig.ready()` imports the module). Everything else asks
through two entry points:

- `allows(who, "capacity.assessment.view", obj) -> bool` decides for one object;
- `scope(who, "capacity.assessment.view", queryset) -> queryset` keeps only the
  rows the same rule allows, in the database.

`who` is a user, a request or an `Access`. An `Access` is what one person may
do, built once per request by the middleware (`request.access`): platform
staff or not, roles per organisation and the organisations that the person's
coordinating bodies coordinate. It never patches the user object.

A rule is written once as a `Condition` (see `IsStaff`, `HasRole`, `SharedWith`,
`FieldIs`), which yields both the object check and the queryset filter, so the
two cannot drift apart. Core knows no domain: what fills an `Access` is
registered by the accounts app (`register_access_loader`).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable
from functools import cached_property, wraps
from typing import Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from kraftsamla.core.models import SharingLevel

# --- Who: an explicit snapshot of one person's access ---------------------------------


_roles_loader: Callable[[Any], dict[int, str]] | None = None
_coordinated_loader: Callable[[Any, list[int]], frozenset[int]] | None = None


def register_access_loader(
    *,
    roles: Callable[[Any], dict[int, str]],
    coordinated: Callable[[Any, list[int]], frozenset[int]],
) -> None:
    """Set how a user's roles ({organisation id: role}) and coordinated ids are read.

    `coordinated(user, organisation_ids)` gets the ids of the organisations where
    the user has a role and returns the ids of the organisations those coordinate.
    """
    global _roles_loader, _coordinated_loader
    _roles_loader, _coordinated_loader = roles, coordinated


class SystemActor:
    """The actor of loaders, commands and scheduled tasks: allowed everything, audited as
    "system". Services take it explicitly instead of `None`, so no check is ever skipped
    by accident."""

    pk = None
    is_authenticated = False
    is_active = True
    is_staff = True
    email = "system"

    def __str__(self) -> str:
        return "system"

    def __repr__(self) -> str:
        return "<SystemActor>"


SYSTEM = SystemActor()


class Access:
    """What one person may do: built once per request, read by every policy."""

    def __init__(self, user) -> None:
        self.user = user
        self.is_system = user is SYSTEM
        self.is_authenticated = bool(getattr(user, "is_authenticated", False))
        self.is_staff = self.is_system or bool(
            self.is_authenticated and user.is_active and user.is_staff
        )
        # Rules asked during this request; the strict test mode checks that a view asked one.
        self.asked: set[str] = set()

    def __repr__(self) -> str:
        return f"<Access {getattr(self.user, 'pk', None)} staff={self.is_staff}>"

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.is_authenticated else None

    @cached_property
    def roles(self) -> dict[int, str]:
        """Return {organisation id: role} for the person's roles (one query, once)."""
        if not self.is_authenticated:
            return {}
        if _roles_loader is None:
            raise ImproperlyConfigured("No access loader is registered.")
        return _roles_loader(self.user)

    @cached_property
    def coordinated_ids(self) -> frozenset[int]:
        """Return ids of organisations the person's coordinating bodies coordinate today."""
        if not self.roles or _coordinated_loader is None:
            return frozenset()
        return _coordinated_loader(self.user, list(self.roles))

    def coordinated_by(self, roles: Iterable[str] | None = None) -> frozenset[int]:
        """Return ids coordinated through bodies where the person has one of `roles`.

        With no roles this is `coordinated_ids`; each set of roles is read once.
        """
        if roles is None:
            return self.coordinated_ids
        key = frozenset(roles)
        memo = self.__dict__.setdefault("_coordinated_by_roles", {})
        if key not in memo:
            body_ids = self.organisation_ids(key)
            memo[key] = (
                _coordinated_loader(self.user, body_ids)
                if body_ids and _coordinated_loader is not None
                else frozenset()
            )
        return memo[key]

    def role_in(self, organisation: Model | int | None) -> str | None:
        """Return the person's role in the organisation (object or id), or None."""
        if organisation is None:
            return None
        org_id = organisation if isinstance(organisation, int) else organisation.pk
        return self.roles.get(org_id)

    def organisation_ids(self, roles: Iterable[str] | None = None) -> list[int]:
        """Return ids of organisations where the person has one of `roles` (any role if None)."""
        if roles is None:
            return list(self.roles)
        wanted = set(roles)
        return [org_id for org_id, role in self.roles.items() if role in wanted]


_current: contextvars.ContextVar[Access | None] = contextvars.ContextVar(
    "kraftsamla_access", default=None
)


def access_of(who) -> Access:
    """Return the Access for a user, request or Access; reuse the request's when it matches.

    A request's user can change after the middleware ran (log-in, or the API's
    token authentication), so the request's Access is rebuilt when it no longer
    belongs to `request.user`.
    """
    if isinstance(who, Access):
        return who
    if hasattr(who, "method") and hasattr(who, "user"):
        user = who.user
        access = getattr(who, "access", None)
        if not (
            isinstance(access, Access) and (access.user is user or _same_user(access.user, user))
        ):
            previous, access = access, Access(user)
            who.access = access
            # Only inside the middleware's request (where the previous Access is current),
            # so an Access never outlives its request.
            if previous is not None and _current.get() is previous:
                _current.set(access)
        return access
    current = _current.get()
    if current is not None and _same_user(current.user, who):
        return current
    return Access(who)


def _same_user(a, b) -> bool:
    if a is b:
        return True
    a_auth = bool(getattr(a, "is_authenticated", False))
    b_auth = bool(getattr(b, "is_authenticated", False))
    return a_auth and b_auth and a.pk == b.pk


class AccessMiddleware:
    """Put the request's Access on `request.access` and make it current for the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        access = Access(request.user)
        request.access = access
        token = _current.set(access)
        try:
            response = self.get_response(request)
            api_view = getattr(request, "_kraftsamla_api_view", None)
            if api_view is not None:
                # The API's Access may have been rebuilt after token authentication;
                # access_of() made that one current.
                _assert_asked(request, response, api_view.access_rules, api_view, _current.get())
            return response
        finally:
            _current.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Note an API view (DRF's as_view() keeps the class), so that strict mode can check
        that it asked one of its `access_rules`, as `checks()` does for pages."""
        view_class = getattr(view_func, "cls", None)
        if getattr(view_class, "access_rules", None):
            request._kraftsamla_api_view = view_class


# --- Conditions: one definition, both a check and a filter -------------------------------

# A Q that keeps nothing; Django prunes it from OR-combinations without a query.
NOTHING = Q(pk__in=[])


def _path_value(obj, path: str):
    """Follow a dotted attribute path ("" means the object itself)."""
    for part in filter(None, path.split(".")):
        if obj is None:
            return None
        obj = getattr(obj, part)
    return obj


def _owner_id(obj, owner: str) -> int | None:
    """Return the owning organisation's id without loading it when an `_id` is at hand."""
    if not owner:
        return getattr(obj, "pk", None)
    head, _dot, last = owner.rpartition(".")
    parent = _path_value(obj, head)
    if parent is None:
        return None
    return getattr(parent, f"{last}_id", None)


def _lookup(path: str, suffix: str) -> str:
    """Turn a dotted path and "_id"/"_id__in" into a lookup ("" means the row itself)."""
    if not path:
        return {"_id": "pk", "_id__in": "pk__in"}[suffix]
    return path.replace(".", "__") + suffix


class Condition:
    """A rule part that checks an object and filters a queryset from one definition."""

    def check(self, access: Access, obj) -> bool:
        raise NotImplementedError

    def q(self, access: Access) -> Q:
        raise NotImplementedError

    def __or__(self, other: Condition) -> Condition:
        return AnyOf(self, other)

    def __and__(self, other: Condition) -> Condition:
        return AllOf(self, other)


class AnyOf(Condition):
    def __init__(self, *parts: Condition) -> None:
        self.parts = parts

    def check(self, access, obj) -> bool:
        return any(p.check(access, obj) for p in self.parts)

    def q(self, access) -> Q:
        result = NOTHING
        for part in self.parts:
            part_q = part.q(access)
            if part_q == Q():
                return Q()
            result = part_q if result == NOTHING else result | part_q
        return result


class AllOf(Condition):
    def __init__(self, *parts: Condition) -> None:
        self.parts = parts

    def check(self, access, obj) -> bool:
        return all(p.check(access, obj) for p in self.parts)

    def q(self, access) -> Q:
        result = Q()
        for part in self.parts:
            part_q = part.q(access)
            if part_q == NOTHING:
                return NOTHING
            result &= part_q
        return result


class Always(Condition):
    """Anyone, also anonymous visitors."""

    def check(self, access, obj) -> bool:
        return True

    def q(self, access) -> Q:
        return Q()


class LoggedIn(Condition):
    """Any logged-in, active person."""

    def check(self, access, obj) -> bool:
        return access.is_authenticated and access.user.is_active

    def q(self, access) -> Q:
        return Q() if self.check(access, None) else NOTHING


class IsStaff(Condition):
    """Platform staff, who run Kraftsamla and may see and do everything."""

    def check(self, access, obj) -> bool:
        return access.is_staff

    def q(self, access) -> Q:
        return Q() if access.is_staff else NOTHING


class HasRole(Condition):
    """The person has one of `roles` (any role if None) in the owning organisation.

    `owner` is the dotted path from the object to its organisation; "" means the
    object is the organisation itself.
    """

    def __init__(self, owner: str = "organisation", roles: Iterable[str] | None = None) -> None:
        self.owner = owner
        self.roles = None if roles is None else frozenset(roles)

    def check(self, access, obj) -> bool:
        role = access.role_in(_owner_id(obj, self.owner))
        return role is not None and (self.roles is None or role in self.roles)

    def q(self, access) -> Q:
        ids = access.organisation_ids(self.roles)
        return Q(**{_lookup(self.owner, "_id__in"): ids}) if ids else NOTHING


class IsUser(Condition):
    """The object (at the dotted `path`) points to the person themselves."""

    def __init__(self, path: str = "user") -> None:
        self.path = path

    def check(self, access, obj) -> bool:
        return access.is_authenticated and _owner_id(obj, self.path) == access.user_id

    def q(self, access) -> Q:
        if not access.is_authenticated:
            return NOTHING
        return Q(**{_lookup(self.path, "_id"): access.user_id})


class FieldIs(Condition):
    """A field of the object has one of the given values (e.g. status is published)."""

    def __init__(self, path: str, *values) -> None:
        self.path = path
        self.values = frozenset(values)

    def check(self, access, obj) -> bool:
        return _path_value(obj, self.path) in self.values

    def q(self, access) -> Q:
        return Q(**{f"{self.path.replace('.', '__')}__in": list(self.values)})


class SharedWith(Condition):
    """Data shared by its owner: public for all; "region" for the coordinating bodies.

    `owner` is the path to the owning organisation, `level` to the sharing level.
    """

    def __init__(self, owner: str = "organisation", level: str = "sharing_level") -> None:
        self.owner = owner
        self.level = level

    def check(self, access, obj) -> bool:
        level = _path_value(obj, self.level)
        if level == SharingLevel.PUBLIC:
            return True
        return level == SharingLevel.REGION and _owner_id(obj, self.owner) in access.coordinated_ids

    def q(self, access) -> Q:
        level = self.level.replace(".", "__")
        q = Q(**{level: SharingLevel.PUBLIC})
        if access.coordinated_ids:
            q |= Q(
                **{level: SharingLevel.REGION},
                **{_lookup(self.owner, "_id__in"): sorted(access.coordinated_ids)},
            )
        return q


def owned_and_shared(owner: str = "organisation", level: str = "sharing_level") -> Condition:
    """Return the rule for an organisation's own data with a sharing level.

    Staff and the organisation's people see everything it owns; others see what it
    shared with them (public, or "region" when they coordinate the owner).
    """
    return IsStaff() | HasRole(owner) | SharedWith(owner, level)


# --- Policies and the registry ---------------------------------------------------------


class Policy:
    """The rules for one kind of object: `rules` maps an action to a Condition.

    Every rule is a Condition, so the object check and the queryset filter of an
    action always come from the same definition.
    """

    name: str = ""  # e.g. "capacity.assessment"
    rules: dict[str, Condition] = {}

    def allows(self, access: Access, action: str, obj) -> bool:
        return self._condition(action).check(access, obj)

    def scope(self, access: Access, action: str, queryset: QuerySet) -> QuerySet:
        condition_q = self._condition(action).q(access)
        if condition_q == NOTHING:
            return queryset.none()
        return queryset.filter(condition_q) if condition_q != Q() else queryset

    def _condition(self, action: str) -> Condition:
        try:
            return self.rules[action]
        except KeyError:
            raise ImproperlyConfigured(f"{self.name} has no rule {action!r}.") from None

    def actions(self) -> set[str]:
        return set(self.rules)


_policies: dict[str, Policy] = {}


def register(policy_class: type[Policy]) -> type[Policy]:
    """Register a policy class (use as a decorator in an app's policies.py)."""
    if not policy_class.name or policy_class.name in _policies:
        raise ImproperlyConfigured(f"Policy name {policy_class.name!r} is empty or taken.")
    _policies[policy_class.name] = policy_class()
    return policy_class


def registered_rules() -> set[str]:
    """Return every registered rule name, e.g. "capacity.assessment.view"."""
    return {f"{name}.{action}" for name, p in _policies.items() for action in p.actions()}


def _split(rule: str) -> tuple[Policy, str]:
    name, _dot, action = rule.rpartition(".")
    try:
        policy = _policies[name]
    except KeyError:
        raise ImproperlyConfigured(f"No policy is registered for {rule!r}.") from None
    if action not in policy.actions():
        raise ImproperlyConfigured(f"{name} has no rule {action!r}.")
    return policy, action


def allows(who, rule: str, obj=None) -> bool:
    """Decide whether `who` (user, request or Access) may do `rule` on `obj`."""
    access = access_of(who)
    policy, action = _split(rule)
    access.asked.add(rule)
    return policy.allows(access, action, obj)


def scope(who, rule: str, queryset: QuerySet) -> QuerySet:
    """Keep only the rows of `queryset` on which `who` may do `rule`."""
    access = access_of(who)
    policy, action = _split(rule)
    access.asked.add(rule)
    return policy.scope(access, action, queryset)


def require(who, rule: str, obj=None, message: str = "") -> None:
    """Raise PermissionDenied (403) unless `who` may do `rule` on `obj`."""
    if not allows(who, rule, obj):
        raise PermissionDenied(message or None)


def get_visible(who, rule: str, queryset: QuerySet, **lookup):
    """Return the one object matching `lookup` that `who` may `rule`, else raise Http404.

    Use where the object's existence is itself private: a hidden object answers
    exactly as a missing one does.
    """
    try:
        obj = queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not allows(who, rule, obj):
        raise Http404
    return obj


# --- Declared checks on views, so a test can prove that every URL asks a policy ---------

PUBLIC = "public"


def checks(*rules: str):
    """Declare the rules a view asks; the URL walk test reads them.

    Use `checks(PUBLIC)` for a page anyone may see with nothing private on it.
    In strict mode (tests) a successful response from a view that asked none of
    its declared rules fails loudly.
    """
    if not rules:
        raise ImproperlyConfigured("Declare at least one rule or PUBLIC.")

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            _assert_asked(request, response, rules, view, getattr(request, "access", None))
            return response

        wrapper.access_rules = rules
        return wrapper

    return decorate


def _assert_asked(request, response, rules, view, access) -> None:
    from django.conf import settings

    if not getattr(settings, "KRAFTSAMLA_STRICT_ACCESS", False) or PUBLIC in rules:
        return
    # Refusals (4xx) and the log-in redirect of anonymous visitors show nothing.
    status = getattr(response, "status_code", 200)
    anonymous = not getattr(request.user, "is_authenticated", False)
    if status >= 400 or (300 <= status < 400 and anonymous):
        return
    if access is not None and not (access.asked & set(rules)):
        raise AssertionError(
            f"{view.__module__}.{view.__qualname__} declared {rules} but asked none of them."
        )
