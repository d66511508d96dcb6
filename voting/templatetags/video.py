"""Finalists' videos load only when a visitor asks: nothing is fetched from a third party
before the click. YouTube links become a privacy-enhanced embed; Facebook and Instagram
open on their own site."""

from urllib.parse import parse_qs, urlparse

from django import template

register = template.Library()


@register.filter
def youtube_embed(url):
    """The youtube-nocookie embed address of a YouTube link, or ""."""
    parsed = urlparse(url or "")
    host = (parsed.hostname or "").lower()
    video = ""
    if host == "youtu.be":
        video = parsed.path.lstrip("/")
    elif host.endswith("youtube.com"):
        if parsed.path == "/watch":
            video = parse_qs(parsed.query).get("v", [""])[0]
        elif parsed.path.startswith(("/embed/", "/shorts/")):
            video = parsed.path.split("/")[2]
    video = "".join(ch for ch in video if ch.isalnum() or ch in "-_")
    return f"https://www.youtube-nocookie.com/embed/{video}" if video else ""
