"""Minimal Django settings for the Saleor-independent suite (real PostgreSQL)."""

import os

import dj_database_url

SECRET_KEY = "saleor-rewards-tests"
USE_TZ = True
TIME_ZONE = "UTC"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "saleor_rewards",
]
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/saleor_rewards"),
        conn_max_age=0,
    )
}
# The integration suite uses Saleor's test database ("test_<name>"); this suite
# keeps its own, so both can be reused between runs.
DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_unit"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
