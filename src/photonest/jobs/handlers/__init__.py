"""Job handlers, one module per area; every module here is imported by `photonest.jobs.registry.load_handlers`."""
