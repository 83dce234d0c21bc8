"""The open-loop curve (bench/phases/curve.py) as an SVG, written plainly: no
plotting library is among the project's dependencies, and two lines need none."""

from __future__ import annotations

from typing import Any

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 360, 70, 70, 40, 50


def _scale(value: float, top: float, pixels: float) -> float:
    return value / top * pixels if top else 0.0


def _ticks(top: float) -> list[float]:
    return [top * n / 4 for n in range(5)]


def curve_svg(curve: dict[str, Any], title: str) -> str:
    """Offered rate (x) against achieved req/s (left axis) and p99 ms (right axis)."""
    points = curve["points"]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    x_top = max(p["offered_per_second"] for p in points) * 1.05
    rps_top = max(max(p["requests_per_second"] for p in points), x_top) * 1.05
    p99_top = max(p["p99_ms"] for p in points) * 1.1 or 1.0

    def x(value: float) -> float:
        return LEFT + _scale(value, x_top, plot_w)

    def y(value: float, top: float) -> float:
        return TOP + plot_h - _scale(value, top, plot_h)

    def line(key: str, top: float, colour: str) -> str:
        path = " ".join(f"{x(p['offered_per_second']):.1f},{y(p[key], top):.1f}" for p in points)
        dots = "".join(
            f'<circle cx="{x(p["offered_per_second"]):.1f}" cy="{y(p[key], top):.1f}" r="3" '
            f'fill="{colour}"/>'
            for p in points
        )
        return f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>{dots}'

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        'font-family="sans-serif" font-size="11">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="20" text-anchor="middle" font-size="13">{title}</text>',
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" '
        'stroke="#999"/>',
    ]
    for value in _ticks(x_top):
        parts.append(
            f'<text x="{x(value):.1f}" y="{TOP + plot_h + 15}" text-anchor="middle">'
            f"{value:.0f}</text>"
        )
    for value in _ticks(rps_top):
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(value, rps_top) + 4:.1f}" text-anchor="end" '
            f'fill="#1f5fbf">{value:.0f}</text>'
        )
    for value in _ticks(p99_top):
        parts.append(
            f'<text x="{LEFT + plot_w + 6}" y="{y(value, p99_top) + 4:.1f}" fill="#c0392b">'
            f"{value:.0f}</text>"
        )
    saturating = curve["saturating_per_second"]
    parts += [
        f'<line x1="{x(saturating):.1f}" y1="{TOP}" x2="{x(saturating):.1f}" '
        f'y2="{TOP + plot_h}" stroke="#999" stroke-dasharray="4 3"/>',
        f'<text x="{x(saturating) + 4:.1f}" y="{TOP + 12}" fill="#666">closed-loop saturation '
        f"{saturating:.0f} req/s</text>",
        line("requests_per_second", rps_top, "#1f5fbf"),
        line("p99_ms", p99_top, "#c0392b"),
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 12}" text-anchor="middle">offered '
        "requests per second (constant arrival rate)</text>",
        f'<text x="16" y="{TOP + plot_h / 2}" fill="#1f5fbf" text-anchor="middle" '
        f'transform="rotate(-90 16 {TOP + plot_h / 2})">answered req/s</text>',
        f'<text x="{WIDTH - 14}" y="{TOP + plot_h / 2}" fill="#c0392b" text-anchor="middle" '
        f'transform="rotate(90 {WIDTH - 14} {TOP + plot_h / 2})">p99 ms</text>',
        "</svg>",
    ]
    return "\n".join(parts) + "\n"
