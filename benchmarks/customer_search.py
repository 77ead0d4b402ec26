# ruff: noqa: E402, E501  (django.setup() must run before the models are imported)
"""100,000 customers on SQLite, then the intake's customer search timed
through the real view (middleware, login, permissions, JSON) with Django's
test client. Run: DATABASE_URL=sqlite:////tmp/bench100k.sqlite3 \
DJANGO_SETTINGS_MODULE=orders_site.settings.test .venv/bin/python benchmarks/customer_search.py"""

import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import django

django.setup()

from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from orders.models import Customer
from tests.factories import UserFactory

N = 100_000
call_command("migrate", verbosity=0)
if Customer.objects.count() < N:
    rnd = random.Random(12)
    family = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    given = (
        "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红梅鑫斌宇浩凯健俊帆欣怡子涵梓轩"
    )
    cities = [
        ("上海市", "上海市"),
        ("广东省", "广州市"),
        ("广东省", "深圳市"),
        ("四川省", "成都市"),
        ("浙江省", "杭州市"),
        ("北京市", "北京市"),
    ]
    industry = ["机电", "水务", "建材", "暖通", "仪表", "贸易", "泵业", "五金"]
    rows = []
    for i in range(N):
        name = rnd.choice(family) + "".join(rnd.choice(given) for _ in range(rnd.choice([1, 2])))
        province, city = rnd.choice(cities)
        rows.append(
            Customer(
                name=name,
                company=f"{city[:-1]}{rnd.choice(industry)}{i % 5000}号有限公司",
                contact_person=name,
                phone=f"1{rnd.choice('3456789')}{rnd.randrange(10**9):09d}",
                province=province,
                city=city,
                street="示例路 1 号",
            )
        )
        if len(rows) == 10_000:
            Customer.objects.bulk_create(rows)
            rows = []
    Customer.objects.bulk_create(rows)
print("customers:", Customer.objects.count(), "db:", connection.settings_dict["NAME"])

sales = UserFactory(username="bench-sales", roles=["Sales"])
client = Client()
client.force_login(sales)
some = Customer.objects.order_by("?").first()

queries = {
    "phone, 3 leading digits (139)": "139",
    "phone, 7 leading digits": some.phone[:7],
    "phone, full": some.phone,
    "phone, last 4 digits (contains)": some.phone[-4:],
    "digits matching nothing": "99999999",
    "Chinese family name (王, many)": "王",
    "Chinese name fragment (2 chars)": some.name[:2],
    "company fragment": "水务",
    "text matching nothing (full scan)": "不存在的客户",
    "customer number": str(some.pk),
}
client.get("/customers/search/", {"q": "warm"})
print(f"{'query':40} {'results':>7} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} queries")
for label, q in queries.items():
    times = []
    for _ in range(30):
        start = time.perf_counter()
        response = client.get("/customers/search/", {"q": q})
        times.append((time.perf_counter() - start) * 1000)
    assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as ctx:
        n = len(client.get("/customers/search/", {"q": q}).json()["results"])
    times.sort()
    print(
        f"{label:40} {n:7d} {statistics.median(times):10.1f} {times[int(len(times) * 0.95) - 1]:8.1f} {times[-1]:8.1f} {len(ctx)}"
    )

# The query plans: the phone prefix is a search on the phone index.
from orders import selectors

with connection.cursor() as cursor:
    qs = Customer.objects.filter(selectors._prefix_range("phone", "1390800")).order_by("phone")[:20]
    sql, params = qs.query.sql_with_params()
    cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
    print("plan, phone prefix:", [row[-1] for row in cursor.fetchall()])
