"""The after-sales API (process 5) under /api/v1/: follow-ups, cases and
returns. Thin views over ``aftersales.services``, which hold every rule and
check the person (owner or after-sales staff) as the web pages do.

Records are addressed by id. Like the order API, every step is
``POST /api/v1/<resource>/{id}/{step-name}/``; any write to a record of an
archived order answers 409 ``archived`` before its input is looked at. An
Integration client sees and acts only on the records of orders it created;
others' are 404.
"""

from __future__ import annotations

from django import forms
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.constants import EMPTY_VALUES
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from integrations.api_docs import (
    ERRORS,
    IDEMPOTENCY_PARAM,
    IDEMPOTENT_CREATE_ERRORS,
    ErrorSerializer,
)
from integrations.filters import MAX_ID, IdFilter
from integrations.idempotency import IdempotentCreateMixin
from integrations.permissions import ActionPermissions
from orders import selectors as order_selectors
from orders.api.steps import step_action
from orders.transitions import refuse_archived

from . import selectors, services
from .exceptions import AfterSalesInvalid
from .models import (
    OPEN_CASE_STATUSES,
    Case,
    CaseEntry,
    CaseStatus,
    ContactChannel,
    FollowUp,
    Return,
    ReturnLine,
)

#: The largest id a client may send: beyond it no row can exist (a 32-bit key).

AFTERSALES_CONFLICT = OpenApiResponse(
    ErrorSerializer,
    description=_(
        "`invalid_state` (the record is not in a state that allows this: a case already "
        "closed, a follow-up already recorded, a return already received) or `archived` "
        "(the order is archived and read-only)."
    ),
)
STEP_ERRORS = {**ERRORS, 409: AFTERSALES_CONFLICT}
CREATE_ERRORS = {
    **IDEMPOTENT_CREATE_ERRORS,
    409: OpenApiResponse(
        ErrorSerializer, description=_("`archived`: the order is archived and read-only.")
    ),
}


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


# --- output -----------------------------------------------------------------


class FollowUpSerializer(serializers.ModelSerializer):
    order = serializers.CharField(source="order.number", help_text=_("The order's number."))
    customer_name = serializers.CharField(source="order.customer.name")
    customer_phone = serializers.CharField(source="order.customer.phone")
    owner = serializers.IntegerField(source="owner_id", help_text=_("Who makes the call."))
    owner_username = serializers.CharField(source="owner.username")
    done_by = serializers.CharField(source="done_by.username", allow_null=True, default=None)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "order",
            "customer_name",
            "customer_phone",
            "owner",
            "owner_username",
            "offset_days",
            "due_on",
            "status",
            "channel",
            "usage",
            "satisfaction",
            "notes",
            "done_at",
            "done_by",
            "created_at",
        ]
        # The schema's titles are ASCII (integrations.schema): the model's
        # verbose name has an en dash.
        extra_kwargs = {"satisfaction": {"label": _("Satisfaction (1-5)")}}


class CaseEntrySerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", allow_null=True, default=None)

    class Meta:
        model = CaseEntry
        fields = [
            "id",
            "kind",
            "channel",
            "text",
            "from_status",
            "to_status",
            "author",
            "created_at",
        ]


class CaseLineSerializer(serializers.Serializer):
    """An order line the case concerns."""

    id = serializers.IntegerField()
    sku = serializers.CharField(source="product.sku")
    name = serializers.CharField(source="product.name")
    quantity = serializers.IntegerField()


class ReturnableLineSerializer(serializers.Serializer):
    """A line of the case's order and how much of it may still come back."""

    line = serializers.IntegerField(source="line.pk", help_text=_("The order line's id."))
    sku = serializers.CharField(source="line.product.sku")
    name = serializers.CharField(source="line.product.name")
    unit_price = serializers.DecimalField(source="line.unit_price", max_digits=12, decimal_places=2)
    shipped = serializers.IntegerField()
    returned = serializers.IntegerField(help_text=_("Taken back by live (not cancelled) returns."))
    left = serializers.IntegerField(help_text=_("What a new return may still take back."))


class ReturnLineSerializer(serializers.ModelSerializer):
    line = serializers.IntegerField(source="order_line_id", help_text=_("The order line's id."))
    sku = serializers.CharField(source="order_line.product.sku")
    name = serializers.CharField(source="order_line.product.name")
    restocked = serializers.SerializerMethodField()

    class Meta:
        model = ReturnLine
        fields = ["id", "line", "sku", "name", "quantity", "disposition", "restocked"]

    def get_restocked(self, line: ReturnLine) -> bool:
        return line.stock_movement_id is not None


class ReturnSerializer(serializers.ModelSerializer):
    number = serializers.SerializerMethodField()
    case_number = serializers.SerializerMethodField()
    order = serializers.CharField(source="order.number")
    lines = ReturnLineSerializer(many=True, read_only=True)
    created_by = serializers.SerializerMethodField()
    received_by = serializers.SerializerMethodField()
    inspected_by = serializers.SerializerMethodField()

    class Meta:
        model = Return
        fields = [
            "id",
            "number",
            "case",
            "case_number",
            "order",
            "status",
            "reason",
            "lines",
            "refund_amount",
            "created_by",
            "created_at",
            "received_at",
            "received_by",
            "inspection_notes",
            "inspected_at",
            "inspected_by",
        ]

    def get_number(self, return_request: Return) -> str:
        return str(return_request)

    def get_case_number(self, return_request: Return) -> str:
        return Case(pk=return_request.case_id).number

    def get_created_by(self, return_request: Return) -> str | None:
        return _username(return_request.created_by)

    def get_received_by(self, return_request: Return) -> str | None:
        return _username(return_request.received_by)

    def get_inspected_by(self, return_request: Return) -> str | None:
        return _username(return_request.inspected_by)


class CaseSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True, help_text=_("CS-000012"))
    order = serializers.CharField(source="order.number")
    customer_name = serializers.CharField(source="order.customer.name")
    owner = serializers.IntegerField(source="owner_id")
    owner_username = serializers.CharField(source="owner.username")
    overdue = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "order",
            "customer_name",
            "kind",
            "subject",
            "department",
            "owner",
            "owner_username",
            "due_on",
            "overdue",
            "status",
            "resolution",
            "resolved_at",
            "closed_at",
            "created_by",
            "created_at",
            "updated_at",
        ]

    def get_overdue(self, case: Case) -> bool:
        return case.status in OPEN_CASE_STATUSES and case.due_on < timezone.localdate()

    def get_created_by(self, case: Case) -> str | None:
        return _username(case.created_by)


class CaseDetailSerializer(CaseSerializer):
    lines = serializers.SerializerMethodField(help_text=_("The order lines the case concerns."))
    entries = serializers.SerializerMethodField(help_text=_("The case's history, oldest first."))
    returns = serializers.SerializerMethodField()
    returnable_lines = serializers.SerializerMethodField(
        help_text=_("Every line of the order: the ids and quantities a return may name.")
    )
    available_transitions = serializers.SerializerMethodField(
        help_text=_("The steps the caller may take now (POST /api/v1/cases/{id}/{step}/).")
    )

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "description",
            "lines",
            "entries",
            "returns",
            "returnable_lines",
            "available_transitions",
        ]

    @extend_schema_field(CaseLineSerializer(many=True))
    def get_lines(self, case: Case) -> list:
        return CaseLineSerializer(selectors.case_lines(case=case), many=True).data

    @extend_schema_field(CaseEntrySerializer(many=True))
    def get_entries(self, case: Case) -> list:
        return CaseEntrySerializer(selectors.case_entries(case=case), many=True).data

    @extend_schema_field(ReturnSerializer(many=True))
    def get_returns(self, case: Case) -> list:
        returns = selectors.case_returns(case=case).select_related("order")
        return ReturnSerializer(returns, many=True).data

    @extend_schema_field(ReturnableLineSerializer(many=True))
    def get_returnable_lines(self, case: Case) -> list:
        lines = selectors.returnable_lines(order=case.order)
        return ReturnableLineSerializer(lines, many=True).data

    def get_available_transitions(self, case: Case) -> list[str]:
        user = self.context["request"].user
        return [
            name.replace("_", "-")
            for name in selectors.case_available_transitions(case=case, user=user)
        ]


# --- input ------------------------------------------------------------------


class FollowUpRecordSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ContactChannel.choices)
    usage = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=4000,
        default="",
        help_text=_("How the customer uses the product."),
    )
    satisfaction = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=5, default=None
    )
    notes = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=4000,
        default="",
        help_text=_("What the customer said; usage or notes is required."),
    )


def _case_owner(value: int):
    owner = selectors.case_owner_candidates().filter(pk=value).first()
    if owner is None:
        raise serializers.ValidationError(
            _("No active user with id %(id)s may own a case.") % {"id": value}
        )
    return owner


class CaseInSerializer(serializers.Serializer):
    order = serializers.CharField(max_length=40, help_text=_("The order's number."))
    kind = serializers.ChoiceField(choices=Case.Kind.choices)
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=4000, default=""
    )
    department = serializers.ChoiceField(choices=Case.Department.choices)
    owner = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text=_("A user id; you if omitted."),
    )
    lines = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=500,
        default=list,
        help_text=_("Ids of the order's lines the case concerns."),
    )
    due_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("By the case type if omitted."),
    )

    def validate_order(self, value: str):
        user = self.context["request"].user
        order = order_selectors.orders_visible_to(user=user).filter(number=value).first()
        if order is None:
            raise serializers.ValidationError(_("No order with number %(n)s.") % {"n": value})
        return order

    def validate_owner(self, value: int):
        return _case_owner(value)

    def validate(self, attrs: dict) -> dict:
        ids = list(dict.fromkeys(attrs["lines"]))
        lines = {line.pk: line for line in attrs["order"].lines.filter(pk__in=ids)}
        errors = {
            i: [_("Not a line of order %(n)s.") % {"n": attrs["order"].number}]
            for i, pk in enumerate(attrs["lines"])
            if pk not in lines
        }
        if errors:
            raise serializers.ValidationError({"lines": errors})
        attrs["lines"] = [lines[pk] for pk in ids]
        return attrs


class CasePatchSerializer(serializers.Serializer):
    """Reassign the case (``aftersales.services.case_assign``); every field optional."""

    owner = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    department = serializers.ChoiceField(required=False, choices=Case.Department.choices)
    due_on = serializers.DateField(required=False)

    def validate_owner(self, value: int):
        return _case_owner(value)


class CaseNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class CaseResolveSerializer(CaseNoteSerializer):
    resolution = serializers.CharField(
        max_length=4000, help_text=_("How it was resolved; the customer receives it by email.")
    )


class CaseEntryInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[CaseEntry.Kind.NOTE, CaseEntry.Kind.CONTACT])
    channel = serializers.ChoiceField(
        choices=ContactChannel.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required for a contact."),
    )
    text = serializers.CharField(max_length=4000)


class ReturnLineInSerializer(serializers.Serializer):
    line = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text=_("An order line's id (see returnable_lines).")
    )
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)


class ReturnInSerializer(serializers.Serializer):
    case = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=_("The case's id."))
    reason = serializers.CharField(max_length=4000)
    lines = ReturnLineInSerializer(many=True, allow_empty=False, max_length=500)
    refund_amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("At most the value of the returned goods; may also be set at inspection."),
    )

    def validate_case(self, value: int) -> Case:
        user = self.context["request"].user
        case = selectors.cases_visible_to(user=user).filter(pk=value).first()
        if case is None:
            raise serializers.ValidationError(_("No case with id %(id)s.") % {"id": value})
        return case

    def validate(self, attrs: dict) -> dict:
        order = attrs["case"].order
        ids = {item["line"] for item in attrs["lines"]}
        known = {line.pk: line for line in order.lines.select_related("product").filter(pk__in=ids)}
        errors = {
            i: {"line": [_("Not a line of order %(n)s.") % {"n": order.number}]}
            for i, item in enumerate(attrs["lines"])
            if item["line"] not in known
        }
        if errors:
            raise serializers.ValidationError({"lines": errors})
        attrs["lines"] = [
            services.ReturnLineInput(order_line=known[item["line"]], quantity=item["quantity"])
            for item in attrs["lines"]
        ]
        return attrs


class ReturnNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class InspectLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=_("A return line's id."))
    disposition = serializers.ChoiceField(choices=ReturnLine.Disposition.choices)


class ReturnInspectSerializer(serializers.Serializer):
    lines = InspectLineSerializer(
        many=True, allow_empty=False, max_length=500, help_text=_("Every line of the return.")
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    refund_amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("At most the value of the returned goods; omit to keep the one recorded."),
    )

    def validate_lines(self, items: list[dict]) -> list[dict]:
        return_request: Return = self.context["return"]
        pks = [line.pk for line in return_request.lines.all()]
        errors, seen = {}, set()
        for i, item in enumerate(items):
            if item["id"] not in pks:
                errors[i] = {"id": [_("Not a line of return %(r)s.") % {"r": return_request}]}
            elif item["id"] in seen:
                errors[i] = {"id": [_("This line is listed twice.")]}
            seen.add(item["id"])
        if errors:
            raise serializers.ValidationError(errors)
        missing = [pk for pk in pks if pk not in seen]
        if missing:
            raise serializers.ValidationError(
                _("Decide every line of the return; missing: %(ids)s.")
                % {"ids": ", ".join(map(str, missing))}
            )
        return items


def _renamed(exc: AfterSalesInvalid, names: dict[str, str]) -> AfterSalesInvalid:
    """The service's refusal with its field keys in the API's words: the
    service names what it was given (``lines[0].order_line``), the client
    sees what it sent (``lines[0].line``)."""
    fields = {}
    for key, messages in exc.fields.items():
        for old, new in names.items():
            if key == old or key.endswith(f".{old}"):
                key = key[: len(key) - len(old)] + new
                break
        fields[key] = messages
    return AfterSalesInvalid(exc.message, fields=fields)


# --- filters ----------------------------------------------------------------


class OwnerFilter(filters.CharFilter):
    """``me`` or a user id."""

    field_class = forms.RegexField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("regex", r"^(me|[1-9][0-9]{0,8})$")
        kwargs.setdefault("error_messages", {"invalid": _("Use me or a user id.")})
        kwargs.setdefault("label", _("me, or a user id"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        if value == "me":
            return qs.filter(owner=self.parent.request.user)
        return qs.filter(owner_id=int(value))


class StrictBooleanField(forms.NullBooleanField):
    """``true`` or ``false`` (or ``1``/``0``); anything else is an error, not
    a filter quietly left out."""

    def to_python(self, value):
        result = super().to_python(value)
        if result is None and value not in EMPTY_VALUES:
            raise forms.ValidationError(_("Use true or false."), code="invalid")
        return result


class BooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        # django-filter's BooleanWidget reads anything unknown as "no filter".
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


class FollowUpFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=FollowUp.Status.choices)
    owner = OwnerFilter()
    due_before = filters.DateFilter(field_name="due_on", lookup_expr="lt")
    due_after = filters.DateFilter(field_name="due_on", lookup_expr="gte")
    order = filters.CharFilter(field_name="order__number", max_length=40, label=_("Order number"))

    class Meta:
        model = FollowUp
        fields = []


class CaseFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=CaseStatus.choices)
    kind = filters.ChoiceFilter(choices=Case.Kind.choices)
    department = filters.ChoiceFilter(choices=Case.Department.choices)
    owner = OwnerFilter()
    order = filters.CharFilter(field_name="order__number", max_length=40, label=_("Order number"))
    overdue = BooleanFilter(method="filter_overdue", label=_("Open and past its due date"))

    class Meta:
        model = Case
        fields = []

    def filter_overdue(self, queryset, name, value):
        overdue = {"status__in": OPEN_CASE_STATUSES, "due_on__lt": timezone.localdate()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)


class ReturnFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Return.Status.choices)
    case = IdFilter(field_name="case_id", label=_("Case id"))
    order = filters.CharFilter(field_name="order__number", max_length=40, label=_("Order number"))

    class Meta:
        model = Return
        fields = []


# --- views ------------------------------------------------------------------


class _AfterSalesViewSet(viewsets.GenericViewSet):
    """What the three resources share: ids in the path, the role's
    permissions (``action_permissions`` for the steps), and an archived
    order refusing every write before the input is read."""

    permission_classes = [ActionPermissions]
    lookup_value_regex = r"[0-9]+"
    action_permissions: dict[str, tuple[str, ...]] = {}

    def visible(self):
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema, with no user
            return self.queryset
        return self.visible()

    def get_object(self):
        obj = super().get_object()
        if self.request.method not in SAFE_METHODS:
            # Documentation 5: 409 archived to every write, before the input
            # is validated; the service checks again with the row locked.
            refuse_archived(obj.order)
        return obj


@extend_schema_view(
    list=extend_schema(
        summary="List follow-ups (process 5.1)",
        description=_(
            "The calls sales makes after delivery. Without after-sales rights you see only "
            "your own."
        ),
        responses={200: FollowUpSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(summary="A follow-up", responses={200: FollowUpSerializer, **ERRORS}),
)
class FollowUpViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _AfterSalesViewSet):
    queryset = FollowUp.objects.none()  # the model, for permissions and the schema
    serializer_class = FollowUpSerializer
    filterset_class = FollowUpFilter
    ordering_fields = ["due_on", "created_at", "done_at"]
    ordering = ["due_on", "pk"]
    action_permissions = {"record": ("aftersales.change_followup",)}

    def visible(self):
        return selectors.follow_ups_visible_to(user=self.request.user)

    @extend_schema(
        summary="Record how the follow-up call went (process 5.1)",
        description=_(
            "Closes the follow-up and puts the outcome on the order's timeline. The owner or "
            "after-sales staff; once."
        ),
        request=FollowUpRecordSerializer,
        responses={200: FollowUpSerializer, **STEP_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        follow_up = self.get_object()
        payload = FollowUpRecordSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        follow_up = services.follow_up_record(
            follow_up=follow_up, user=request.user, **payload.validated_data
        )
        return Response(FollowUpSerializer(self.get_queryset().get(pk=follow_up.pk)).data)


CASE_STEP_INPUT = {"resolve": CaseResolveSerializer}
CASE_STEP_SUMMARIES = {
    "start": _("Start work on the case"),
    "wait_for_customer": _("Wait for the customer"),
    "resume": _("The customer answered: back to work"),
    "resolve": _("Resolve the case (the customer is told)"),
    "close": _("Close the resolved case"),
    "reopen": _("Reopen the case"),
}


def _case_step_view(name: str):
    """One ``@action`` per step of the case's state machine, all calling
    ``services.case_transition``."""
    input_serializer = CASE_STEP_INPUT.get(name, CaseNoteSerializer)

    def view(self, request, pk=None):
        case = self.get_object()
        payload = input_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.case_transition(case=case, user=request.user, name=name, **payload.validated_data)
        return Response(self._detail(case.pk))

    view.__name__ = view.__qualname__ = name
    view = action(
        detail=True,
        methods=["post"],
        url_path=name.replace("_", "-"),
        url_name=name.replace("_", "-"),
    )(view)
    return extend_schema(
        operation_id=f"cases_{name}",
        # Lazy: resolved when the schema is generated (in English), not at import.
        summary=CASE_STEP_SUMMARIES[name],
        description=_("The case's owner or after-sales staff (process 5.2)."),
        request=input_serializer,
        responses={200: CaseDetailSerializer, **STEP_ERRORS},
    )(view)


@extend_schema_view(
    list=extend_schema(
        summary="List after-sales cases (process 5.2)",
        responses={200: CaseSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(
        summary="A case, with its history, returns and the steps you may take",
        responses={200: CaseDetailSerializer, **ERRORS},
    ),
    create=extend_schema(
        summary="Open a case on an order (process 5.2)",
        description=_(
            "A complaint, return, exchange, repair or inquiry for the department responsible, "
            "due by its type unless `due_on` is given."
        ),
        request=CaseInSerializer,
        parameters=[IDEMPOTENCY_PARAM],
        responses={201: CaseDetailSerializer, **CREATE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Reassign a case: owner, department or due date",
        description=_("After-sales staff only."),
        request=CasePatchSerializer,
        responses={200: CaseDetailSerializer, **STEP_ERRORS},
    ),
)
class CaseViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    _AfterSalesViewSet,
):
    queryset = Case.objects.none()  # the model, for permissions and the schema
    filterset_class = CaseFilter
    ordering_fields = ["created_at", "updated_at", "due_on"]
    ordering = ["-created_at", "-pk"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    # The steps need only read access here; the service then allows the
    # case's owner or after-sales staff (one rule set with the web pages).
    action_permissions = {
        **{name: ("aftersales.view_case",) for name in services.CASE_TRANSITIONS},
        "entries": ("aftersales.view_case", "aftersales.add_caseentry"),
    }

    def visible(self):
        return selectors.cases_visible_to(user=self.request.user)

    def get_serializer_class(self):
        return CaseSerializer if self.action == "list" else CaseDetailSerializer

    def _detail(self, pk: int) -> dict:
        case = get_object_or_404(self.get_queryset(), pk=pk)
        return CaseDetailSerializer(case, context=self.get_serializer_context()).data

    def create(self, request):
        payload = CaseInSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        case = services.case_open(user=request.user, **payload.validated_data)
        return Response(
            self._detail(case.pk),
            status=status.HTTP_201_CREATED,
            headers={"Location": f"/api/v1/cases/{case.pk}/"},
        )

    def partial_update(self, request, pk=None):
        case = self.get_object()
        payload = CasePatchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.case_assign(case=case, user=request.user, **payload.validated_data)
        return Response(self._detail(case.pk))

    @extend_schema(
        summary="Add a note or a customer contact to the case's history",
        request=CaseEntryInSerializer,
        responses={201: CaseEntrySerializer, **STEP_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def entries(self, request, pk=None):
        case = self.get_object()
        payload = CaseEntryInSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        entry = services.case_add_entry(case=case, user=request.user, **payload.validated_data)
        return Response(CaseEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    # Steps: POST /api/v1/cases/{id}/{step-name}/
    start = _case_step_view("start")
    wait_for_customer = _case_step_view("wait_for_customer")
    resume = _case_step_view("resume")
    resolve = _case_step_view("resolve")
    close = _case_step_view("close")
    reopen = _case_step_view("reopen")


@extend_schema_view(
    list=extend_schema(
        summary="List returns (process 5.2)",
        responses={200: ReturnSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(summary="A return", responses={200: ReturnSerializer, **ERRORS}),
    create=extend_schema(
        summary="Record goods the customer sends back, on a case",
        description=_(
            "Never more of a line than shipped, across all the order's live returns "
            "(`lines[i].quantity` says how many are left). The warehouse then receives and "
            "inspects it."
        ),
        request=ReturnInSerializer,
        parameters=[IDEMPOTENCY_PARAM],
        responses={201: ReturnSerializer, **CREATE_ERRORS},
    ),
)
class ReturnViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    _AfterSalesViewSet,
):
    queryset = Return.objects.none()  # the model, for permissions and the schema
    serializer_class = ReturnSerializer
    filterset_class = ReturnFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-pk"]
    action_permissions = {
        name: ("aftersales.change_return",) for name in ("receive", "inspect", "cancel")
    }

    def visible(self):
        return selectors.returns_visible_to(user=self.request.user)

    def _detail(self, pk: int) -> dict:
        return ReturnSerializer(get_object_or_404(self.get_queryset(), pk=pk)).data

    def create(self, request):
        payload = ReturnInSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        try:
            return_request = services.return_create(user=request.user, **payload.validated_data)
        except AfterSalesInvalid as exc:
            # The service speaks of the case's order and of order lines.
            raise _renamed(exc, {"order_line": "line", "order": "case"}) from None
        return Response(
            self._detail(return_request.pk),
            status=status.HTTP_201_CREATED,
            headers={"Location": f"/api/v1/returns/{return_request.pk}/"},
        )

    @extend_schema(
        summary="The returned goods arrived at the warehouse",
        request=ReturnNoteSerializer,
        responses={200: ReturnSerializer, **STEP_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        return self._note_step(request, services.return_receive)

    def _note_step(self, request, service):
        """A step whose only input is an optional note (receive, cancel)."""
        return_request = self.get_object()
        payload = ReturnNoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        service(return_request=return_request, user=request.user, **payload.validated_data)
        return Response(self._detail(return_request.pk))

    @extend_schema(
        summary="Inspect a received return: restock or scrap each line",
        description=_(
            "Restocked lines go back on hand with a `return` movement on the stock ledger. "
            "Every line of the return needs its disposition."
        ),
        request=ReturnInspectSerializer,
        responses={200: ReturnSerializer, **STEP_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def inspect(self, request, pk=None):
        return_request = self.get_object()
        payload = ReturnInspectSerializer(data=request.data, context={"return": return_request})
        payload.is_valid(raise_exception=True)
        items = payload.validated_data["lines"]
        try:
            services.return_inspect(
                return_request=return_request,
                user=request.user,
                dispositions={item["id"]: item["disposition"] for item in items},
                notes=payload.validated_data["notes"],
                refund_amount=payload.validated_data["refund_amount"],
            )
        except AfterSalesInvalid as exc:
            # The service numbers the return's lines in key order; the client
            # numbered them in the order it sent them.
            raise _reindexed(exc, return_request, items) from None
        return Response(self._detail(return_request.pk))

    @extend_schema(
        summary="Cancel a return not yet received (the customer keeps the goods)",
        request=ReturnNoteSerializer,
        responses={200: ReturnSerializer, **STEP_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._note_step(request, services.return_cancel)


def _reindexed(exc: AfterSalesInvalid, return_request: Return, items: list[dict]):
    by_pk = {item["id"]: i for i, item in enumerate(items)}
    pks = sorted(line.pk for line in return_request.lines.all())
    fields = {}
    for key, messages in exc.fields.items():
        for k, pk in enumerate(pks):
            prefix = f"lines[{k}]."
            if key.startswith(prefix):
                key = f"lines[{by_pk[pk]}]." + key[len(prefix) :]
                break
        fields[key] = messages
    return AfterSalesInvalid(exc.message, fields=fields)


class AftersalesOrderActions:
    # After-sales' step on the order viewset (orders_site.api_urls):
    # POST /api/v1/orders/{number}/complete/ (process 5). No docstring: it
    # would become every order operation's description.

    complete = step_action("complete")
