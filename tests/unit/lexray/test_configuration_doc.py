"""docs/configuration.md lists every setting of the one configuration model, and no setting
that is gone: the reference table cannot drift from lexray/settings.py."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from lexray.settings import PROJECT_ROOT, Settings

DOC = PROJECT_ROOT / "docs" / "configuration.md"


def setting_names(model: type[BaseModel] = Settings, prefix: str = "") -> set[str]:
    names = set()
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names |= setting_names(annotation, f"{prefix}{name}.")
        else:
            names.add(f"{prefix}{name}")
    return names


def documented_names(text: str) -> set[str]:
    """The first cell of each table row: | `group.name` | ..."""
    return set(re.findall(r"(?m)^\| `([a-z_]+(?:\.[a-z_]+)*)` \|", text))


def test_every_setting_has_a_row_and_every_row_a_setting():
    settings, documented = setting_names(), documented_names(Path(DOC).read_text(encoding="utf-8"))
    assert not settings - documented, f"settings without a row in {DOC.name}: {sorted(settings - documented)}"
    assert not documented - settings, f"rows for settings that do not exist: {sorted(documented - settings)}"
