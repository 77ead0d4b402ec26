"""``/api/v1/cases/``: after-sales cases (process 5.2), opened, reassigned,
added to and moved through their state machine, one
``POST /api/v1/cases/{id}/{step-name}/`` per step."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from integrations.actions import step_action
from integrations.api_docs import ERRORS, IDEMPOTENCY_PARAM
from integrations.filters import MAX_ID
from integrations.idempotency import IdempotentCreateMixin
from orders import selectors as order_selectors

from .. import selectors, services
from ..models import OPEN_CASE_STATUSES, Case, CaseEntry, CaseStatus, ContactChannel
from .returns import ReturnableLineSerializer, ReturnSerializer
from .shared import (
    CREATE_ERRORS,
    STEP_ERRORS,
    AfterSalesViewSet,
    BooleanFilter,
    OwnerFilter,
    username,
)


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
        return username(case.created_by)


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
    ``services.case_transition`` and answering with the case's detail."""
    return step_action(
        name,
        input_serializer=CASE_STEP_INPUT.get(name, CaseNoteSerializer),
        run=lambda view, request, case, data: services.case_transition(
            case=case, user=request.user, name=name, **data
        ),
        respond=lambda view, case: Response(view._detail(case.pk)),
        operation_id=f"cases_{name}",
        summary=CASE_STEP_SUMMARIES[name],
        description=_("The case's owner or after-sales staff (process 5.2)."),
        responses={200: CaseDetailSerializer, **STEP_ERRORS},
    )


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
    AfterSalesViewSet,
):
    queryset = Case.objects.none()  # the model, for permissions and the schema
    filterset_class = CaseFilter
    ordering_fields = ["created_at", "updated_at", "due_on"]
    ordering = ["-created_at", "-pk"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    # The steps need only read access here; the service then allows the
    # case's owner or after-sales staff (one rule set with the web pages).
    action_permissions = {
        **{name: ("aftersales.view_case",) for name in selectors.CASE_TRANSITIONS},
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
