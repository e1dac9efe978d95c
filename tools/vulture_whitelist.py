"""Names that vulture (``vulture bot handlers knowledge storage tools --min-confidence 60``) reports as unused
but that are used: by a framework that calls them by name, by the database schema, by tests as the
regulation facts they check, or through a string. Vulture counts any use of a name, so each is listed
once as an attribute of ``_``. This file is not imported by anything."""

from unittest.mock import Mock

_ = Mock()

# Alembic reads these from every revision module (storage/migrations/versions/) and from env.py's callback.
_.down_revision, _.branch_labels, _.depends_on, _.downgrade, _.autogen_context  # noqa: B018

# SQLAlchemy event listeners (storage/db.py) and DB-API attributes set on a connection.
_._sqlite_pragmas, _._sqlite_begin, _.isolation_level, _._returned, _._ping_if_idle  # noqa: B018

# SQLModel columns kept in the schema (read by exports, migrations and tests).
_.recipients, _.released_at, _.head_teacher_phone_enc, _.total_hours, _.bound_at  # noqa: B018
_.id_number_hash, _.nonce_key  # noqa: B018
# Fields of the measures' data model (knowledge/models.py), read from and written to knowledge/data/*.json.
_.subitem, _.chapter  # noqa: B018

# pydantic / pydantic-settings: model configuration and overridden hooks (knowledge/models.py,
# bot/settings_sources.py).
_.model_config, _.settings_customise_sources, _._load_env_vars  # noqa: B018
_.env_settings, _.dotenv_settings, _.file_secret_settings  # noqa: B018

# Overrides called by the libraries: python-telegram-bot's processor (bot/telegram.py), httptools' parser
# callbacks (bot/telegram_lean.py), wechatpy's client (bot/wechat_api.py), concurrent.futures' Executor
# signature (bot/serial.py), uvicorn's server flag (bot/commands/serve.py), python-docx and openpyxl
# properties set on their objects (handlers/forms_docx.py, handlers/xlsx_print.py, handlers/training_sheets.py).
_.do_process_update, _.on_headers_complete, _.on_body, _.on_message_complete, _.fetch_access_token  # noqa: B018
_.cancel_futures, _.should_exit  # noqa: B018
_.autofit, _.alignment, _.vertical_alignment, _.keep_with_next, _.height_rule, _.height, _.bold  # noqa: B018
_.page_height, _.page_width, _.left_margin, _.right_margin, _.top_margin, _.bottom_margin  # noqa: B018
_.space_after, _.space_before, _.first_line_indent  # noqa: B018
_.paperSize, _.orientation, _.fitToPage, _.fitToHeight, _.fitToWidth, _.horizontalCentered  # noqa: B018
_.page_margins, _.print_title_rows  # noqa: B018

# Functions named in strings: bot.commands.common.later("bot.commands.training_run", "run_…"), and the
# __qualname__ it sets.
_.run_class_add, _.run_class_approve, _.run_class_list, _.run_session_add, _.run_import  # noqa: B018
_.run_export, _.run_code, _.__qualname__  # noqa: B018

# Attributes read by tests and benches (counters, flags, log record fields).
_.request_id, _.batches, _.messages, _.opened, _.fact, _.certain, _.on_form, _.basis  # noqa: B018

# Regulation facts kept as data with their citations and tested against the articles' text
# (tests/test_rules_*.py, docs/eligibility-coverage.md), and tested helpers (tests/test_migrations.py,
# tests/test_rules_awards.py, tests/test_flows_awards.py, tests/test_delivery.py).
_.UNLIMITED_FACTS, _.CRAFTSMAN_FACTS, _.WORKSHOP_PROCEDURE_FACTS, _.LOCAL_MIN_RATE  # noqa: B018
_.TUITION_INCLUDES, _.TUITION_EXCLUDES, _.REF_PROJECTS, _.TASKS_BY_KEY  # noqa: B018
_.pending_changes, _.summarise_referrers, _.start_check, _.get_or_create_identity, _.build_server  # noqa: B018
_.has_personal_number  # noqa: B018

# Unused, in files other branches of issue 16 are rewriting (services, adapters, retrieval): to be removed
# there, not here. knowledge/search.py, knowledge/facts.py, handlers/dispatch.py, handlers/flows/handoff.py.
_.MIN_SCORE, _.MIN_COVERAGE, _.W_TYPO, _.OTHER_MEASURE, _.p_answer  # noqa: B018
_.SKILL_GRADES, _.TITLE_LEVELS, _.command_words, _._parse_no  # noqa: B018

# Fields read only by the console's Jinja2 templates (tickets.html: the rating statistics).
_.average, _.satisfied  # noqa: B018

# SQLAlchemy session event listeners (storage/db.py, at_commit), registered by their decorators.
_._write_at_commit, _._drop_at_rollback  # noqa: B018
