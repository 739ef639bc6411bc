"""How a bill is shown: its lines as a plain-text or an HTML table, with the window, totals and notes.

The amounts are sim.billing's; this module only formats them. In HTML, a source is a link, an UNVERIFIED
flag is bold, and each "facts.md s.N" a flag cites links to that section of the fact sheet (sim.display.cite_facts).
"""
from __future__ import annotations

import html

from .prices import MONTH_S

#: How a bill dates a price whose page showed no date: the date it was read.
READ_UNDATED = "read; page undated"

HEAD = ["item", "quantity", "unit", "unit price (USD)", "amount (USD)", "as of", "flag", "source"]
RIGHT = {1, 3, 4}   # the columns of numbers, right-aligned


def date_range(as_of) -> str:
    """ISO dates (the first 10 characters of each entry that starts with a year) as "first to last", or the one date;
    where the last is the date undated pages were read (see sim.billing._as_of), it says so."""
    entries = [str(d) for d in as_of if str(d)[:4].isdigit()]
    dates = sorted({d[:10] for d in entries})
    text = dates[0] if len(dates) == 1 else f"{dates[0]} to {dates[-1]}"
    if any(d[:10] == dates[-1] and READ_UNDATED in d for d in entries):
        text += " (last: read date)"
    return text


def window_label(bill) -> str:
    """What the bill covers: its own label, or the simulated window."""
    if bill._usage_label:
        return bill._usage_label
    start, end = bill.window_s
    return f"simulated window {start:,.1f}-{end:,.1f} s ({bill.window_length_s / 3600:,.2f} h)"


def projection_note(bill) -> str:
    """How the monthly figure was made, and which monthly allowances (free tier, volume tiers) it includes."""
    applied = [name for name, on in (("free tier", bill.free_tier), ("volume tiers", bill.volume_tiers)) if on]
    monthly = " and ".join(applied)
    verb = "is" if applied == ["free tier"] else "are"
    scale = MONTH_S / bill.window_length_s
    if abs(scale - 1) < 1e-12:
        text = "The usage covers one 30-day month (2,592,000 s), so the monthly figure is the total"
        text += f"; {monthly} {verb} applied to it." if monthly else "."
    else:
        text = (f"Projected to a 30-day month by scaling the simulated window of {bill.window_length_s:,.1f} s "
                f"linearly (x{scale:,.6g}): ${bill.monthly_usd:,.2f}.")
        if monthly:
            text += (f" {monthly.capitalize()} (monthly) applied after scaling; the lines show this window's "
                     "pro-rata share of them.")
    if bill.free_tier is False:
        text += " No free tier applied (free_tier=True applies it)."
    return text


def cells(bill) -> list[list[str]]:
    """The bill's lines as text, in the order of HEAD."""
    return [[r.item, fmt_quantity(r.quantity), r.unit, fmt_price(r.unit_price_usd), fmt_amount(r.amount_usd),
             r.as_of, r.flag, r.source] for r in bill.lines.itertuples(index=False)]


def to_text(bill) -> str:
    """A plain-text table (no optional dependencies)."""
    rows = [HEAD] + cells(bill)
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEAD))]
    fmt = lambda row: "  ".join(c.rjust(w) if i in RIGHT else c.ljust(w)
                                for i, (c, w) in enumerate(zip(row, widths))).rstrip()
    out = [bill.title, window_label(bill), fmt(rows[0]), "  ".join("-" * w for w in widths)]
    out += [fmt(row) for row in rows[1:]]
    out += [f"total for the window: {fmt_total(bill.total_usd)}",
            f"projected 30-day month: {fmt_total(bill.monthly_usd)}", projection_note(bill)]
    out += [f"- {note}" for note in bill.notes]
    return "\n".join(out)


def to_html(bill) -> str:
    """An HTML table, for notebooks (a Bill's _repr_html_)."""
    from .display import cite_facts   # here, not at the top: sim.display imports the simulator
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in HEAD)
    body = []
    for row in cells(bill):
        tds = []
        for i, c in enumerate(row):
            if i == 7:
                c = f'<a href="{e(c)}">{e(c)}</a>' if c.startswith("http") else e(c)
            elif i == 6 and "UNVERIFIED" in c:
                c = f"<strong>{cite_facts(e(c))}</strong>"
            elif i == 6:
                c = cite_facts(e(c))
            else:
                c = e(c)
            tds.append(f'<td style="text-align:right">{c}</td>' if i in RIGHT else f"<td>{c}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    foot = (f'<tr><td colspan="4"><strong>total for the window</strong></td>'
            f'<td style="text-align:right"><strong>{e(fmt_total(bill.total_usd))}</strong></td>'
            f'<td colspan="3"></td></tr>'
            f'<tr><td colspan="4">projected 30-day month</td>'
            f'<td style="text-align:right">{e(fmt_total(bill.monthly_usd))}</td><td colspan="3"></td></tr>')
    notes = "".join(f"<li>{e(n)}</li>" for n in bill.notes)
    return (f'<div class="sim-bill"><p><strong>{e(bill.title)}</strong><br>{e(window_label(bill))}</p>'
            f'<table class="sim-bill-lines"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody>'
            f"<tfoot>{foot}</tfoot></table><p>{e(projection_note(bill))}</p>"
            + (f"<ul>{notes}</ul>" if notes else "") + "</div>")


def fmt_quantity(q: float) -> str:
    if q == round(q) and abs(q) < 1e15:
        return f"{q:,.0f}"
    return f"{q:,.3f}".rstrip("0").rstrip(".") if abs(q) >= 1 else f"{q:.6g}"


def fmt_price(p: float) -> str:
    return f"{p:.10f}".rstrip("0").rstrip(".")


def fmt_amount(a: float) -> str:
    if a == 0 or abs(a) >= 0.01:
        return f"{a:,.4f}"
    return f"{a:.8f}".rstrip("0")


def fmt_total(a: float) -> str:
    return f"${a:,.2f}" if abs(a) >= 1 else f"${a:.6f}"
