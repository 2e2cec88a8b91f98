"""Whole pages: the shell every page shares (language, skip link, navigation),
the live page, the statistics page, and the short pages a refused request gets."""

from __future__ import annotations

from html import escape

from kiosk import __version__

__all__ = ["error_page", "live_page", "statistics_page"]

_NAV = (("/", "Live"), ("/statistics", "Statistics"))


def _shell(title: str, site: str, current: str, main: str, *, script: bool = False) -> str:
    here = ' aria-current="page"'
    nav = "".join(
        f'<li><a href="{href}"{here if href == current else ""}>{text}</a></li>'
        for href, text in _NAV
    )
    head_script = '<script src="/static/live.js" defer></script>' if script else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · {escape(site)} · kiosk operator dashboard</title>"
        f'<link rel="stylesheet" href="/static/dashboard.css">{head_script}</head><body>'
        '<a class="skip" href="#main">Skip to the figures</a>'
        f'<header><p class="site">{escape(site)}</p>'
        f'<nav aria-label="Dashboard"><ul>{nav}</ul></nav></header>'
        f'<main id="main" tabindex="-1">{main}</main>'
        f"<footer><p>Read-only operator dashboard, kiosk {escape(__version__)}. "
        "It never shows what a request is about.</p></footer></body></html>"
    )


def live_page(site: str, summary: str, section: str, updated: str) -> str:
    main = (
        f"<h1>Live: {escape(site)}</h1>"
        f'<p id="summary" class="summary" aria-live="polite" aria-atomic="true">'
        f"{escape(summary)}</p>"
        f'<p id="updated" class="updated">Snapshot taken {escape(updated)}.'
        "<noscript> Scripts are off: this page does not update itself; reload it to see "
        "changes.</noscript></p>"
        f"{section}"
    )
    return _shell("Live", site, "/", main, script=True)


def statistics_page(site: str, body: str) -> str:
    return _shell("Statistics", site, "/statistics", f"<h1>Statistics: {escape(site)}</h1>{body}")


def error_page(title: str, text: str) -> str:
    """A refusal: no site name, no navigation, nothing read from the hub."""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<title>{escape(title)}</title><link rel="stylesheet" href="/static/dashboard.css">'
        f'</head><body><main id="main"><h1>{escape(title)}</h1><p>{escape(text)}</p>'
        "</main></body></html>"
    )
