"""Loading the default data a fresh installation starts with, and what the overview page shows
of the other apps."""

from collections.abc import Iterator
from dataclasses import dataclass

from northstar.accounts.roles import ensure_roles
from northstar.actions import services as action_services
from northstar.assets import services as asset_services
from northstar.assets.models import Asset
from northstar.economy import services as economy_services
from northstar.indicators import services as indicator_services
from northstar.indicators.models import Indicator
from northstar.pipeline import services as pipeline_services
from northstar.places import services as place_services
from northstar.places.models import Place
from northstar.programmes import services as programme_services


def load_default_data() -> Iterator[str]:
    """Load the default place (refreshing its boundaries), any missing default themes, and the
    default register if the register is empty. Idempotent; edits made since are kept."""
    ensure_roles()
    result = place_services.load_place(place_services.DEFAULT_PLACE_FILE)
    yield f"Place: {result.place.name} ({result.place.code}) with {result.members} boroughs."
    yield result.boundary_message
    yield f"Themes: {asset_services.load_themes()} in the default set, missing ones added."
    yield from indicator_services.load_default_indicators()
    yield from programme_services.load_default_programmes()
    yield from action_services.load_default_data()
    existing = Asset.objects.count()
    if existing:
        # Never overwrite the officers' register with the defaults on a restart.
        yield f"Asset register: already holds {existing} assets; the default register was not reloaded."
    else:
        imported = asset_services.load_default_register()
        yield f"Asset register: {imported.created} assets loaded from the default register."
    # After the register: pipeline projects link to the assets they are.
    yield from pipeline_services.load_default_data()
    yield from economy_services.refresh_measures()


# --- The overview page -------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyFigure:
    label: str  # e.g. "GVA per head, 2021"
    value: str  # as the page it comes from shows it
    detail: str  # its rank or comparison
    page: str  # the URL name of the page it comes from


def north_star(place: Place) -> indicator_services.Summary | None:
    """The first headline indicator (the partnership's North Star, R&D as a share of GVA) for
    the place, with its latest figure, target and status; None if no indicator is loaded."""
    indicator = Indicator.objects.filter(headline=True).order_by("order", "pk").first()
    if indicator is None:
        return None
    return indicator_services.summarise(indicator, place, with_forecast=False)


@dataclass(frozen=True)
class KeyFigures:
    figures: list[KeyFigure]
    files: list[str]  # the names of the published files they come from


@economy_services.one_reading()
def key_figures(place: Place) -> KeyFigures:
    """The place's latest figure per head of GVA, business R&D and Innovate UK funding, each
    with its rank among areas of its level, as the economy and funding pages headline them;
    only those the loaded statistics give; and the files they come from."""
    summaries = (
        ("economy:overview", economy_services.gva_summary(place)),
        ("economy:overview", economy_services.berd_summary(place)),
        ("economy:funding", economy_services.funding_summary(place, economy_services.IUK)),
    )
    figures, files = [], []
    for page, summary in summaries:
        per_head = next((h for h in summary.headlines if " per head, " in h.label), None)
        if per_head is None:
            continue
        figures.append(KeyFigure(per_head.label, per_head.value, per_head.detail, page))
        files += [s.file_name for s in summary.table.sources]
    return KeyFigures(figures, list(dict.fromkeys(files)))
