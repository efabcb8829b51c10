"""Carbon monitoring (碳排放管理), pure core: factors, buildings, traffic, vegetation, ledger, inventories."""
