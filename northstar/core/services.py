"""Loading the default data a fresh installation starts with."""

from collections.abc import Iterator

from northstar.accounts.roles import ensure_roles
from northstar.assets import services as asset_services
from northstar.places import services as place_services


def load_default_data() -> Iterator[str]:
    """Load (or refresh) the default place, themes and register; idempotent. Yields progress lines."""
    ensure_roles()
    result = place_services.load_place(place_services.DEFAULT_PLACE_FILE)
    yield f"Place: {result.place.name} ({result.place.code}) with {result.members} boroughs."
    yield result.boundary_message
    yield f"Themes: {asset_services.load_themes()} loaded."
    imported = asset_services.load_default_register()
    yield (
        f"Asset register: {imported.created} added, {imported.updated} updated, "
        f"{imported.unchanged} unchanged ({imported.rows} rows)."
    )
