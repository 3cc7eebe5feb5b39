"""The UCI Online Retail data set as tailored events, profiles and catalog items.

Each invoice becomes one ``Order Completed`` event with its line items (a cancellation,
``C...``, becomes ``Order Refunded``); each customer gets an ``identify`` with their country;
each stock code becomes a catalog item. Invoices without a customer are kept as anonymous
orders (``anonymousId`` = ``invoice-<InvoiceNo>``). Message ids are derived from the data, so a
second import of the same file stores nothing twice.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tailored.core import ValidationError
from tailored.recommend import Item

COLUMNS = (
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
)
_SHOP_TIME = ZoneInfo("Europe/London")


@dataclass
class RetailData:
    """What the file turns into, and what was left out."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    rows: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


def read_columns(path: Path) -> dict[str, list[Any]]:
    """The columns of the Parquet file as Python lists; a clear error if it is not the data set."""
    import pyarrow.parquet as pq

    if not path.exists():
        raise ValidationError(f"{path}: no such file")
    try:
        table = pq.read_table(path)
    except Exception as exc:
        raise ValidationError(f"{path}: not a readable Parquet file ({exc})") from exc
    missing = [c for c in COLUMNS if c not in table.column_names]
    if missing:
        raise ValidationError(
            f"{path}: not the Online Retail data set; missing columns {', '.join(missing)}"
        )
    return {c: table.column(c).to_pylist() for c in COLUMNS}


def _stamp(value: datetime) -> str:
    return value.replace(tzinfo=_SHOP_TIME).isoformat()


def convert(columns: dict[str, list[Any]]) -> RetailData:
    """Group rows into invoices, customers and items."""
    data = RetailData(rows=len(columns["InvoiceNo"]))
    lines: dict[str, list[int]] = defaultdict(list)
    for i, invoice in enumerate(columns["InvoiceNo"]):
        lines[str(invoice)].append(i)
    first_seen: dict[str, tuple[datetime, str]] = {}
    for invoice, rows in lines.items():
        message = _invoice_message(invoice, rows, columns, data)
        if message is None:
            continue
        data.messages.append(message)
        customer = message.get("userId")
        when = columns["InvoiceDate"][rows[0]]
        if customer and (customer not in first_seen or when < first_seen[customer][0]):
            first_seen[customer] = (when, columns["Country"][rows[0]])
    data.messages.extend(
        {
            "type": "identify",
            "messageId": f"online-retail-customer-{customer}",
            "userId": customer,
            "timestamp": _stamp(when),
            "traits": {"country": country},
        }
        for customer, (when, country) in first_seen.items()
    )
    data.messages.sort(key=lambda m: str(m["timestamp"]))
    data.items = _items(columns)
    return data


def _invoice_message(
    invoice: str, rows: list[int], columns: dict[str, list[Any]], data: RetailData
) -> dict[str, Any] | None:
    refund = invoice.startswith("C")
    products = []
    for i in rows:
        quantity = columns["Quantity"][i]
        if not refund and quantity <= 0:
            data.skipped["non-positive quantity on a sale (stock adjustment)"] += 1
            continue
        products.append(
            {
                "product_id": columns["StockCode"][i],
                "name": columns["Description"][i],
                "price": columns["UnitPrice"][i],
                "quantity": abs(quantity),
            }
        )
    if not products:
        data.skipped["invoice with no sold line"] += 1
        return None
    customer = columns["CustomerID"][rows[0]]
    who = (
        {"userId": str(int(customer))}
        if customer is not None and customer == customer  # NaN is not equal to itself
        else {"anonymousId": f"invoice-{invoice}"}
    )
    revenue = round(sum(p["price"] * p["quantity"] for p in products), 2)
    return {
        "type": "track",
        "event": "Order Refunded" if refund else "Order Completed",
        "messageId": f"online-retail-invoice-{invoice}",
        **who,
        "timestamp": _stamp(columns["InvoiceDate"][rows[0]]),
        "properties": {
            "order_id": invoice,
            "revenue": revenue,
            "total": revenue,
            "currency": "GBP",
            "products": products,
        },
        "context": {"traits": {"country": columns["Country"][rows[0]]}},
    }


def _items(columns: dict[str, list[Any]]) -> list[Item]:
    names: dict[str, Counter[str]] = defaultdict(Counter)
    prices: dict[str, list[float]] = defaultdict(list)
    for code, name, price, quantity in zip(
        columns["StockCode"],
        columns["Description"],
        columns["UnitPrice"],
        columns["Quantity"],
        strict=True,
    ):
        if name:
            names[code][name] += 1
        if quantity > 0 and price > 0:
            prices[code].append(price)
    items = []
    for code in sorted(set(columns["StockCode"])):
        title = names[code].most_common(1)[0][0] if names[code] else code
        known = sorted(prices[code])
        price = known[len(known) // 2] if known else None
        items.append(Item(item_id=code, title=title.strip() or code, price=price, currency="GBP"))
    return items


def read_online_retail(path: Path) -> RetailData:
    """Read and convert the Parquet file at ``path``."""
    return convert(read_columns(path))
