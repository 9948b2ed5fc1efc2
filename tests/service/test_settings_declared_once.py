"""Every setting is declared once; the README table and the environment follow the declaration."""

import re
from pathlib import Path

import pytest

from reducer import conf

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_configuration_table_matches_the_declared_settings():
    text = README.read_text()
    match = re.search(r"<!-- settings:start -->\n(.*?)\n<!-- settings:end -->", text, re.S)
    assert match, "README.md lacks the <!-- settings:start/end --> block"
    assert match.group(1).strip() == conf.markdown_table().strip(), (
        "README configuration table is out of date: paste `python manage.py settings_table` into it"
    )


def test_every_setting_is_read_from_the_env_var_of_its_name():
    for setting in conf.SETTINGS:
        number = max(7, setting.minimum or 0)
        samples = {
            bool: ("true", True),
            int: (str(int(number)), int(number)),
            float: (f"{number}.5", number + 0.5),
            str: ("x", "x"),
            tuple: ("a, b", ("a", "b")),
        }
        raw, expected = samples[setting.type]
        assert setting.read({setting.name: raw}) == expected, setting.name
        assert setting.read({}) == setting.default, setting.name


def test_names_are_unique_and_prefixed():
    names = [setting.name for setting in conf.SETTINGS]
    assert len(names) == len(set(names))
    assert all(name.startswith("REDUCER_") for name in names)


@pytest.mark.parametrize(
    ("name", "raw"), [("REDUCER_PORT", "eighty"), ("REDUCER_DEBUG", "maybe"), ("REDUCER_MAX_ATTEMPTS", "0")]
)
def test_a_bad_value_is_refused_with_the_settings_name(name, raw):
    with pytest.raises(conf.SettingError, match=name):
        conf.load({name: raw})


def test_django_settings_expose_every_declared_value(settings):
    for setting in conf.SETTINGS:
        assert hasattr(settings, setting.name), setting.name
