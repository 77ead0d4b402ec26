"""Demo data for ``make run``: one user per role, products with stock,
customers with Chinese names and addresses, and orders in every state.

Safe to run again: users get their password reset, products and customers
are reused, and orders are only added when there are none yet.
"""

import datetime
import logging
import os
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from aftersales import services as aftersales
from inventory.models import Product, ProductCode, StockItem
from inventory.services import product_code_add, stock_receive, warehouse_default
from orders import roles
from orders.models import Customer, Order, OrderStatus
from orders.services import LineInput, order_create, order_record_contact
from shipping.defaults import carriers_ensure_defaults
from shipping.models import Carrier, CarrierRule

from ... import demo

USERS = [
    ("sales", roles.SALES, "李", "娜"),
    ("manager", roles.SALES_MANAGER, "王", "强"),
    ("warehouse", roles.WAREHOUSE, "赵", "磊"),
    ("logistics", roles.LOGISTICS, "刘", "洋"),
    ("aftersales", roles.AFTER_SALES, "陈", "静"),
    ("integration", roles.INTEGRATION, "Online", "Store"),
]

PRODUCTS = [
    ("PUMP-100", "离心水泵 100W", "6901234500011", "pcs", "480.00", 120, "A-01-01"),
    ("PUMP-250", "离心水泵 250W", "6901234500028", "pcs", "860.00", 60, "A-01-02"),
    ("VALVE-DN25", "不锈钢球阀 DN25", "6901234500035", "pcs", "95.50", 500, "B-02-01"),
    ("VALVE-DN50", "不锈钢球阀 DN50", "6901234500042", "pcs", "168.00", 240, "B-02-02"),
    ("PIPE-PPR20", "PPR 水管 20mm (4m)", "6901234500059", "pcs", "18.80", 2000, "C-01-01"),
    ("GAUGE-10", "压力表 0–1.0MPa", "6901234500066", "pcs", "65.00", 150, "B-03-04"),
    ("FILTER-Y", "Y 型过滤器 DN32", "6901234500073", "pcs", "132.00", 8, "B-04-01"),
    ("CTRL-PRO", "智能水泵控制器", "6901234500080", "pcs", "1280.00", 25, "D-01-01"),
]

# Labels other than the product's own barcode that the shelves carry: the
# pump's box has its supplier's EAN, the controller an internal label. A scan
# of either on the pick screen finds the product.
PRODUCT_CODES = [
    ("PUMP-100", "6925678000128", ProductCode.Kind.SUPPLIER_EAN, "供应商条码"),
    ("CTRL-PRO", "WH-D01-CTRL", ProductCode.Kind.INTERNAL_LABEL, "仓库货架标签"),
]

CUSTOMERS = [
    dict(
        name="张伟",
        company="上海浦江机电设备有限公司",
        contact_person="张伟",
        phone="13812345678",
        email="zhangwei@example.com",
        province="上海市",
        city="上海市",
        district="浦东新区",
        street="张江路 88 号 3 号楼",
        postcode="201203",
        preferred_language="zh-hans",
        credit_limit=Decimal("50000.00"),
        payment_terms="net_30",
    ),
    dict(
        name="王芳",
        company="广州南方水务工程有限公司",
        contact_person="王芳",
        phone="020-83456789",
        email="wangfang@example.com",
        province="广东省",
        city="广州市",
        district="天河区",
        street="天河路 385 号",
        postcode="510620",
        preferred_language="zh-hans",
        credit_limit=Decimal("20000.00"),
        payment_terms="net_60",
    ),
    dict(
        name="李明",
        company="成都蓉城建材商行",
        contact_person="李明",
        phone="13908001234",
        email="liming@example.com",
        province="四川省",
        city="成都市",
        district="武侯区",
        street="人民南路四段 12 号",
        postcode="610041",
        preferred_language="zh-hans",
        credit_limit=None,
        payment_terms="prepaid",
    ),
    dict(
        name="David Chen",
        company="Shenzhen Bay Trading Co., Ltd.",
        contact_person="David Chen",
        phone="+8613602345678",
        email="david.chen@example.com",
        province="广东省",
        city="深圳市",
        district="南山区",
        street="科技园南区 18 号",
        postcode="518057",
        preferred_language="en",
        credit_limit=Decimal("100000.00"),
        payment_terms="net_30",
    ),
    dict(
        name="赵丽",
        company="北京京北暖通工程有限公司",
        contact_person="赵丽",
        phone="010-62345678",
        email="zhaoli@example.com",
        province="北京市",
        city="北京市",
        district="海淀区",
        street="中关村大街 27 号",
        postcode="100080",
        preferred_language="zh-hans",
        credit_limit=Decimal("3000.00"),
        payment_terms="net_30",
    ),
    dict(
        name="陈刚",
        company="乌鲁木齐天山水泵经销部",
        contact_person="陈刚",
        phone="13999112233",
        email="chengang@example.com",
        province="新疆维吾尔自治区",
        city="乌鲁木齐市",
        district="天山区",
        street="解放北路 66 号",
        postcode="830002",
        preferred_language="zh-hans",
        credit_limit=None,
        payment_terms="prepaid",
    ),
]

TRANSIT_DAYS = {
    "上海市": 1,
    "江苏省": 1,
    "浙江省": 1,
    "安徽省": 2,
    "北京市": 2,
    "天津市": 2,
    "广东省": 2,
    "福建省": 2,
    "山东省": 2,
    "湖北省": 2,
    "湖南省": 3,
    "四川省": 3,
    "重庆市": 3,
    "河南省": 2,
    "河北省": 2,
    "陕西省": 3,
    "云南省": 4,
    "贵州省": 4,
    "广西壮族自治区": 3,
    "海南省": 4,
    "黑龙江省": 4,
    "吉林省": 3,
    "辽宁省": 3,
    "甘肃省": 4,
    "青海省": 5,
    "宁夏回族自治区": 4,
    "内蒙古自治区": 4,
    "新疆维吾尔自治区": 6,
    "西藏自治区": 7,
}

# (customer index, [(sku, qty)], state, channel, payment method)
ORDERS = [
    (0, [("PUMP-100", 4), ("VALVE-DN25", 20)], OrderStatus.DRAFT, "phone", "bank_transfer"),
    (
        1,
        [("PIPE-PPR20", 200), ("VALVE-DN50", 10)],
        OrderStatus.SUBMITTED,
        "email",
        "monthly_credit",
    ),
    (4, [("CTRL-PRO", 3)], OrderStatus.SUBMITTED, "phone", "monthly_credit"),
    (5, [("FILTER-Y", 12)], OrderStatus.SUBMITTED, "phone", "alipay"),
    (2, [("PUMP-250", 2), ("GAUGE-10", 2)], OrderStatus.NEEDS_ADJUSTMENT, "phone", "wechat_pay"),
    (3, [("PUMP-100", 10), ("CTRL-PRO", 2)], OrderStatus.APPROVED, "online_store", "bank_transfer"),
    (0, [("VALVE-DN50", 6)], OrderStatus.PICKING, "email", "bank_transfer"),
    (1, [("GAUGE-10", 8), ("VALVE-DN25", 8)], OrderStatus.QUALITY_CHECK, "phone", "monthly_credit"),
    (2, [("PUMP-100", 1)], OrderStatus.PACKING, "phone", "cash_on_delivery"),
    (3, [("PIPE-PPR20", 50)], OrderStatus.PACKED, "api", "bank_transfer"),
    (0, [("PUMP-250", 1), ("VALVE-DN25", 4)], OrderStatus.SHIPPED, "phone", "alipay"),
    (5, [("GAUGE-10", 3)], OrderStatus.DELIVERED, "phone", "wechat_pay"),
    (1, [("VALVE-DN50", 2)], OrderStatus.COMPLETED, "email", "monthly_credit"),
    (2, [("PUMP-100", 2)], OrderStatus.CANCELLED, "phone", "cash_on_delivery"),
    (3, [("VALVE-DN25", 30)], OrderStatus.ARCHIVED, "online_store", "bank_transfer"),
]


class Command(BaseCommand):
    help = "Load demo users (one per role), products, customers and orders in every state."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="demo", help="Password for every demo user.")

    def handle(self, *args, password, **options):
        # SETTINGS_MODULE is None inside override_settings (tests): fall back on the env.
        module = settings.SETTINGS_MODULE or os.environ.get("DJANGO_SETTINGS_MODULE", "")
        if module.endswith("production"):
            raise CommandError("seed_demo refuses to run under production settings.")
        # The demo history's emails are delivered to memory, not printed: the
        # console shows the emails of what the user does, not of the seeding.
        quiet = override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
        trace = logging.getLogger("celery.app.trace")
        level = trace.level
        trace.setLevel(logging.WARNING)
        try:
            with quiet:
                self._seed(password)
        finally:
            trace.setLevel(level)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(
            f"Users (password '{password}'): admin (superuser), " + ", ".join(u[0] for u in USERS)
        )

    def _seed(self, password):
        with transaction.atomic():
            roles.sync_roles()  # idempotent; restores the groups if a flush removed them
            admin = self._users(password)
            self._catalogue(admin)
            customers = self._customers()
            if not Order.objects.exists():
                self._orders(admin, customers)

    def _users(self, password):
        User = get_user_model()
        for username, role, last, first in USERS:
            user, _ = User.objects.get_or_create(username=username)
            user.first_name, user.last_name = first, last
            user.email = f"{username}@example.com"
            user.is_staff = role == roles.SALES_MANAGER
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=role)])
        admin, _ = User.objects.get_or_create(username="admin")
        admin.is_staff = admin.is_superuser = True
        admin.email = "admin@example.com"
        admin.set_password(password)
        admin.save()
        return admin

    def _catalogue(self, admin):
        warehouse = warehouse_default()
        for sku, name, barcode, unit, price, qty, bin_location in PRODUCTS:
            product, created = Product.objects.get_or_create(
                sku=sku,
                defaults=dict(name=name, barcode=barcode, unit=unit, list_price=Decimal(price)),
            )
            if created:
                stock_receive(
                    product=product,
                    quantity=qty,
                    user=admin,
                    warehouse=warehouse,
                    reason="Opening stock",
                )
                StockItem.objects.filter(product=product, warehouse=warehouse).update(
                    bin_location=bin_location
                )
        for sku, code, kind, note in PRODUCT_CODES:
            if not ProductCode.objects.filter(code=code).exists():
                product_code_add(
                    product=Product.objects.get(sku=sku), code=code, kind=kind, note=note
                )
        carriers_ensure_defaults()
        sf = Carrier.objects.get(code="sf")
        deppon = Carrier.objects.get(code="deppon")
        for province, days in TRANSIT_DAYS.items():
            # Parcels up to 20 kg by SF; heavier by Deppon freight, a day slower.
            CarrierRule.objects.get_or_create(
                carrier=sf,
                province=province,
                min_weight_kg=Decimal("0"),
                defaults={
                    "service": sf.services.get(code="standard"),
                    "max_weight_kg": Decimal("20"),
                    "transit_days": days,
                    "priority": 10,
                },
            )
            CarrierRule.objects.get_or_create(
                carrier=deppon,
                province=province,
                min_weight_kg=Decimal("20"),
                defaults={
                    "service": deppon.services.get(code="freight"),
                    "transit_days": days + 1,
                    "priority": 10,
                },
            )

    def _customers(self):
        return [Customer.objects.get_or_create(phone=c["phone"], defaults=c)[0] for c in CUSTOMERS]

    def _orders(self, admin, customers):
        User = get_user_model()
        sales = User.objects.get(username="sales")
        products = {p.sku: p for p in Product.objects.all()}
        today = timezone.localdate()
        for i, (ci, lines, state, channel, payment) in enumerate(ORDERS):
            order = order_create(
                customer=customers[ci],
                salesperson=sales,
                created_by=sales,
                channel=channel,
                requested_delivery_date=today + datetime.timedelta(days=3 + i * 2),
                payment_method=payment,
                lines=[LineInput(product=products[sku], quantity=q) for sku, q in lines],
            )
            order = demo.walk_to(order, state, admin)
            if state == OrderStatus.NEEDS_ADJUSTMENT:
                order_record_contact(
                    order=order,
                    user=sales,
                    channel="phone",
                    summary="客户同意将交货日期推迟一周。",
                )
            if state == OrderStatus.DELIVERED:
                self._complaint(order, sales)
            if state == OrderStatus.COMPLETED:
                self._happy_customer(order, sales)

    def _complaint(self, order, sales):
        """After-sales at work: a follow-up done, a complaint with a return."""
        aftersales_user = get_user_model().objects.get(username="aftersales")
        first = order.follow_ups.order_by("offset_days").first()
        aftersales.follow_up_record(
            follow_up=first,
            user=sales,
            channel="phone",
            usage="用于车间压缩空气管路。",
            satisfaction=3,
            notes="有一块压力表读数偏高，客户要求退回。",
        )
        line = order.lines.first()
        case = aftersales.case_open(
            order=order,
            user=aftersales_user,
            kind="complaint",
            subject="压力表读数偏高",
            description="客户反映一块压力表读数比实际高约 0.2 MPa。",
            department="quality",
            lines=[line],
        )
        aftersales.case_transition(case=case, user=aftersales_user, name="start")
        aftersales.return_create(
            case=case,
            user=aftersales_user,
            reason="读数偏差，退回检测",
            lines=[aftersales.ReturnLineInput(order_line=line, quantity=1)],
        )

    def _happy_customer(self, order, sales):
        for follow_up in order.follow_ups.order_by("offset_days"):
            aftersales.follow_up_record(
                follow_up=follow_up,
                user=sales,
                channel="wechat",
                usage="安装在新建泵房，运行正常。",
                satisfaction=5,
            )
        url = aftersales.survey_issue(order=order)
        if url:
            token = url.rstrip("/").rsplit("/", 1)[1]
            aftersales.survey_answer(token=token, rating=5, comment="发货很快，包装结实。")
