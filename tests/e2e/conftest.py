from tests.app.conftest import pump_manual  # noqa: F401
