"""Loading the default data a fresh installation starts with."""

from collections.abc import Iterator

from northstar.accounts.roles import ensure_roles
from northstar.actions import services as action_services
from northstar.assets import services as asset_services
from northstar.assets.models import Asset
from northstar.indicators import services as indicator_services
from northstar.pipeline import services as pipeline_services
from northstar.places import services as place_services
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
