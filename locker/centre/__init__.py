"""The centre: many lockers' events, state and alarms in one store, one console, one API."""
