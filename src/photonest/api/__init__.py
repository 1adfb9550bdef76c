"""HTTP routes: one module per OpenAPI tag, each handler one service call."""
