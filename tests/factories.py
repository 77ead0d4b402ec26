import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from inventory.models import Product, Warehouse
from inventory.services import stock_receive, warehouse_default
from orders.models import Customer
from orders.roles import sync_roles
from orders.services import LineInput, order_create


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or []:
            if not Group.objects.filter(name=role).exists():
                # A transactional test flushed the groups the migration made.
                sync_roles()
            self.groups.add(Group.objects.get(name=role))
        self.save()


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"W{n}")
    name = factory.LazyAttribute(lambda o: f"Warehouse {o.code}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("sku",)

    sku = factory.Sequence(lambda n: f"SKU-{n:04d}")
    name = factory.LazyAttribute(lambda o: f"Product {o.sku}")
    barcode = factory.Sequence(lambda n: f"69{n:011d}")
    list_price = Decimal("10.00")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"客户{n}")
    company = "上海示例贸易有限公司"
    phone = "13812345678"
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    province = "上海市"
    city = "上海市"
    district = "浦东新区"
    street = "世纪大道100号"
    postcode = "200120"


def stock(product, quantity, *, warehouse=None):
    """Put ``quantity`` of ``product`` on hand through the inventory service."""
    return stock_receive(
        product=product, quantity=quantity, user=None, warehouse=warehouse or warehouse_default()
    )


def make_order(*, customer, salesperson, lines, days_ahead=30, **kwargs):
    """A draft order through the intake service; ``lines`` is [(product, qty)]."""
    return order_create(
        customer=customer,
        salesperson=salesperson,
        created_by=kwargs.pop("created_by", salesperson),
        channel=kwargs.pop("channel", "phone"),
        requested_delivery_date=timezone.localdate() + datetime.timedelta(days=days_ahead),
        payment_method=kwargs.pop("payment_method", "bank_transfer"),
        lines=[LineInput(product=p, quantity=q) for p, q in lines],
        **kwargs,
    )
