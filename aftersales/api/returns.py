"""``/api/v1/returns/``: goods coming back on a case (process 5.2),
recorded, then received, inspected or cancelled through the return's state
machine."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from integrations.actions import step_action
from integrations.api_docs import ERRORS, IDEMPOTENCY_PARAM
from integrations.filters import MAX_ID, IdFilter
from integrations.idempotency import IdempotentCreateMixin

from .. import selectors, services
from ..exceptions import AfterSalesInvalid
from ..models import Case, Return, ReturnLine
from .shared import CREATE_ERRORS, STEP_ERRORS, AfterSalesViewSet, username


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
        return username(return_request.created_by)

    def get_received_by(self, return_request: Return) -> str | None:
        return username(return_request.received_by)

    def get_inspected_by(self, return_request: Return) -> str | None:
        return username(return_request.inspected_by)


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


class ReturnFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Return.Status.choices)
    case = IdFilter(field_name="case_id", label=_("Case id"))
    order = filters.CharFilter(field_name="order__number", max_length=40, label=_("Order number"))

    class Meta:
        model = Return
        fields = []


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
    AfterSalesViewSet,
):
    queryset = Return.objects.none()  # the model, for permissions and the schema
    serializer_class = ReturnSerializer
    filterset_class = ReturnFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-pk"]
    action_permissions = {
        name: ("aftersales.change_return",) for name in selectors.RETURN_TRANSITIONS
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

    receive = step_action(
        "receive",
        input_serializer=ReturnNoteSerializer,
        run=lambda view, request, return_request, data: services.return_receive(
            return_request=return_request, user=request.user, **data
        ),
        respond=lambda view, return_request: Response(view._detail(return_request.pk)),
        summary="The returned goods arrived at the warehouse",
        responses={200: ReturnSerializer, **STEP_ERRORS},
    )
    inspect = step_action(
        "inspect",
        input_serializer=ReturnInspectSerializer,
        input_context=lambda view, return_request: {"return": return_request},
        run=lambda view, request, return_request, data: _inspect(request, return_request, data),
        respond=lambda view, return_request: Response(view._detail(return_request.pk)),
        summary="Inspect a received return: restock or scrap each line",
        description=_(
            "Restocked lines go back on hand with a `return` movement on the stock ledger. "
            "Every line of the return needs its disposition."
        ),
        responses={200: ReturnSerializer, **STEP_ERRORS},
    )
    cancel = step_action(
        "cancel",
        input_serializer=ReturnNoteSerializer,
        run=lambda view, request, return_request, data: services.return_cancel(
            return_request=return_request, user=request.user, **data
        ),
        respond=lambda view, return_request: Response(view._detail(return_request.pk)),
        summary="Cancel a return not yet received (the customer keeps the goods)",
        responses={200: ReturnSerializer, **STEP_ERRORS},
    )


def _inspect(request, return_request: Return, data: dict) -> Return:
    items = data["lines"]
    try:
        return services.return_inspect(
            return_request=return_request,
            user=request.user,
            dispositions={item["id"]: item["disposition"] for item in items},
            notes=data["notes"],
            refund_amount=data["refund_amount"],
        )
    except AfterSalesInvalid as exc:
        # The service numbers the return's lines in key order; the client
        # numbered them in the order it sent them.
        raise _reindexed(exc, return_request, items) from None


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
