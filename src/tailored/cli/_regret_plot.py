"""Cumulative regret curves as a standalone SVG: one panel per environment, one line per
policy. Plain SVG text, so that no plotting library is needed."""

from __future__ import annotations

from html import escape

Traces = dict[tuple[str, str], list[tuple[int, float]]]

_COLORS = ("#7f7f7f", "#bcbd22", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#17becf")  # fmt: skip
_W, _H, _PAD = 420, 300, 48


def regret_svg(traces: Traces) -> str:
    """The SVG document of ``traces`` (from :func:`tailored.bandits.simulate`)."""
    environments = list(dict.fromkeys(env for env, _ in traces))
    policies = list(dict.fromkeys(policy for _, policy in traces))
    color = {p: _COLORS[n % len(_COLORS)] for n, p in enumerate(policies)}
    width = _W * len(environments)
    legend_top = _H + 10
    height = legend_top + 20 * ((len(policies) + 3) // 4) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    for n, env in enumerate(environments):
        parts += _panel(n * _W, env, {p: traces[(env, p)] for p in policies if (env, p) in traces},
                        color)  # fmt: skip
    for n, policy in enumerate(policies):
        x, y = 20 + (n % 4) * 150, legend_top + 20 * (n // 4)
        parts.append(f'<line x1="{x}" y1="{y + 6}" x2="{x + 24}" y2="{y + 6}" '
                     f'stroke="{color[policy]}" stroke-width="2"/>')  # fmt: skip
        parts.append(f'<text x="{x + 30}" y="{y + 10}">{escape(policy)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _panel(
    left: int, env: str, lines: dict[str, list[tuple[int, float]]], color: dict[str, str]
) -> list[str]:
    rounds = max((t[-1][0] for t in lines.values() if t), default=1)
    top = max((max(r for _, r in t) for t in lines.values() if t), default=1.0) or 1.0
    x0, y0, x1, y1 = left + _PAD, _H - _PAD, left + _W - 12, 24

    def point(r: int, v: float) -> str:
        return f"{x0 + (x1 - x0) * r / rounds:.1f},{y0 - (y0 - y1) * v / top:.1f}"

    out = [
        f'<text x="{left + _W / 2}" y="16" text-anchor="middle" font-weight="bold">'
        f"{escape(env)}</text>",
        f'<polyline points="{x0},{y1} {x0},{y0} {x1},{y0}" fill="none" stroke="black"/>',
        f'<text x="{(x0 + x1) / 2}" y="{y0 + 30}" text-anchor="middle">rounds</text>',
        f'<text x="{x0 - 4}" y="{y1 + 4}" text-anchor="end">{top:,.0f}</text>',
        f'<text x="{x0 - 4}" y="{y0}" text-anchor="end">0</text>',
        f'<text x="{x1}" y="{y0 + 14}" text-anchor="end">{rounds:,}</text>',
        f'<text x="{left + 12}" y="{(y0 + y1) / 2}" transform="rotate(-90 {left + 12} '
        f'{(y0 + y1) / 2})" text-anchor="middle">cumulative regret</text>',
    ]
    for policy, trace in lines.items():
        step = max(1, len(trace) // 200)
        kept = [(0, 0.0), *trace[step - 1 :: step]]
        if kept[-1] != trace[-1]:
            kept.append(trace[-1])
        points = " ".join(point(r, v) for r, v in kept)
        out.append(f'<polyline points="{points}" fill="none" stroke="{color[policy]}" '
                   f'stroke-width="1.5"/>')  # fmt: skip
    return out
