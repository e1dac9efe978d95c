"""pydantic-settings sources for :func:`bot.config.load_settings`: the model they fill is built from
:class:`handlers.settings.Settings` (its fields, types, defaults and descriptions), so there is one
definition of the settings. Imported only when settings are loaded."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import create_model
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from handlers.settings import setting_fields

PREFIX = "YUNLING_"


class MappingEnvSource(EnvSettingsSource):
    """The environment source reading a given mapping (``os.environ`` in production, a dict in tests)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {k.lower(): v for k, v in self._environ.items()}


class FileValuesSource(PydanticBaseSettingsSource):
    """``NAME_FILE=path``: the value of NAME is the content of that file (secrets mounted by Docker or
    systemd). NAME itself, in the environment or .env, wins."""

    def __init__(self, settings_cls: type[BaseSettings], given: Mapping[str, str],
                 read: Callable[[str, str], str]) -> None:
        super().__init__(settings_cls)
        self._given = {k.upper(): v for k, v in given.items() if v is not None}
        self._read = read

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        var = PREFIX + field_name.upper()
        if var in self._given or var + "_FILE" not in self._given:
            return None, field_name, False
        return self._read(var + "_FILE", self._given[var + "_FILE"]), field_name, False

    def __call__(self) -> dict[str, Any]:
        values = {}
        for name, info in self.settings_cls.model_fields.items():
            value, _, _ = self.get_field_value(info, name)
            if value is not None:
                values[name] = value
        return values


_FIELDS: dict[str, Any] = {name: (info.annotation, info) for name, info in setting_fields().items()}


def environment_model(environ: Mapping[str, str], dotenv: Path,
                      read_file: Callable[[str, str], str]) -> type[BaseSettings]:
    """A pydantic-settings model with the fields of :class:`Settings` whose sources are, by priority: the
    arguments, ``environ``, the ``dotenv`` file, then ``NAME_FILE`` files named in either."""

    class Environment(BaseSettings):
        model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore", enable_decoding=False,
                                          env_file=dotenv, env_file_encoding="utf-8")

        @classmethod
        def settings_customise_sources(
            cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            from_dotenv = DotEnvSettingsSource(settings_cls, env_file=dotenv)
            given = {**from_dotenv.env_vars, **{k.lower(): v for k, v in environ.items()}}
            return (init_settings, MappingEnvSource(settings_cls, environ), from_dotenv,
                    FileValuesSource(settings_cls, {k: v for k, v in given.items() if v is not None}, read_file))

    return create_model("Environment", __base__=Environment, **_FIELDS)
