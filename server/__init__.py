"""The central queue server: engine, storage, API, live events, scheduler, devices."""
