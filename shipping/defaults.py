"""The carriers a mainland distributor starts with, and rules that serve any
address, so that a fresh installation can propose a carrier at once. The
admin edits them; seed_demo adds per-province transit times."""

from decimal import Decimal

CARRIERS = [
    {
        "code": "sf",
        "name": "顺丰速运 SF Express",
        "tracking_url_template": "https://www.sf-express.com/chn/sc/waybill/waybill-detail/{tracking_number}",
        "tracking_number_pattern": r"SF\d{12}",
        "services": [("standard", "顺丰标快 Standard"), ("express", "顺丰特快 Express")],
    },
    {
        "code": "zto",
        "name": "中通快递 ZTO Express",
        "tracking_url_template": "https://www.zto.com/?num={tracking_number}",
        "tracking_number_pattern": r"7\d{13}",
        "services": [("economy", "中通标准 Economy")],
    },
    {
        "code": "deppon",
        "name": "德邦物流 Deppon Freight",
        "tracking_url_template": "https://www.deppon.com/?waybill={tracking_number}",
        "tracking_number_pattern": r"DPK\d{12}",
        "services": [("freight", "精准卡航 Freight")],
    },
]

# (carrier, service, min kg, max kg, transit days): parcels with SF, heavy
# shipments by freight.
DEFAULT_RULES = [
    ("sf", "standard", Decimal("0"), Decimal("20"), 3),
    ("deppon", "freight", Decimal("20"), None, 4),
]


def carriers_ensure_defaults(apps=None) -> None:
    """Create the default carriers, services and rules that are missing."""
    from django.apps import apps as global_apps

    apps = apps or global_apps
    Carrier = apps.get_model("shipping", "Carrier")
    CarrierService = apps.get_model("shipping", "CarrierService")
    CarrierRule = apps.get_model("shipping", "CarrierRule")
    for spec in CARRIERS:
        carrier, _ = Carrier.objects.get_or_create(
            code=spec["code"],
            defaults={
                k: spec[k] for k in ("name", "tracking_url_template", "tracking_number_pattern")
            },
        )
        for code, name in spec["services"]:
            CarrierService.objects.get_or_create(
                carrier=carrier, code=code, defaults={"name": name}
            )
    if not CarrierRule.objects.exists():
        for code, service, low, high, days in DEFAULT_RULES:
            carrier = Carrier.objects.get(code=code)
            CarrierRule.objects.create(
                carrier=carrier,
                service=CarrierService.objects.get(carrier=carrier, code=service),
                min_weight_kg=low,
                max_weight_kg=high,
                transit_days=days,
                priority=100,
            )
