"""Choice lists of the carbon algorithms, importable without numpy/pandas (QGIS builds the
algorithms' parameters when the provider loads, before any heavy library is wanted)."""

BUILDING_USES = ("residential", "office", "commercial", "public", "industrial")
HEATING_SYSTEMS = ("district_heat", "gas_boiler", "coal_boiler", "electric")
GRID_REGIONS = ("north_china", "northeast", "east", "central", "northwest", "south", "southwest", "national")
