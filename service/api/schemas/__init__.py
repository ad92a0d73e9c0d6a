"""The API contract, one module per router (and what they share in ``common``). Served as OpenAPI."""
