"""The shape of the code: every module imports, dependencies point one way, no private reaching.

The layers and the forbidden imports are import-linter contracts in pyproject.toml
(`[tool.importlinter]`); these tests run them and add what import-linter does not check.
"""

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PACKAGE = ROOT / "trustcenter"


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found.append((".".join(parts), path))
    return found


MODULES = _modules()
MODULE_NAMES = {name for name, _path in MODULES}


def _is_project(module: str) -> bool:
    return module == "trustcenter" or module.startswith("trustcenter.")


def _absolute(node: ast.ImportFrom, importer: str, path: Path) -> str:
    """The module an `from ... import` reads, with relative imports resolved."""
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    if path.name != "__init__.py":
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def test_every_module_imports():
    """A module that cannot be imported (a moved name, a cycle at import time) fails here, not
    in production when something first imports it."""
    failures = []
    for name, _path in MODULES:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - every kind of failure is reported the same way
            failures.append(f"{name}: {type(exc).__name__}: {exc}")
    assert failures == []


def _lint_imports(*args: str) -> subprocess.CompletedProcess:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(  # noqa: S603 - fixed arguments
        [str(lint_imports), "--no-cache", "--no-logo", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_the_import_contracts_hold():
    """The layers, lib importing nothing of the project, no cycles (pyproject.toml, import-linter)."""
    result = _lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_broken_contract_fails(tmp_path):
    """The check above fails when a contract breaks: here one that the views of policies break."""
    config = tmp_path / "contracts.toml"
    config.write_text(
        '[tool.importlinter]\nroot_package = "trustcenter"\n\n'
        '[[tool.importlinter.contracts]]\nname = "views without models"\ntype = "forbidden"\n'
        'source_modules = ["trustcenter.policies.views"]\nforbidden_modules = ["trustcenter.policies.models"]\n'
    )
    result = _lint_imports("--config", str(config))
    assert result.returncode != 0
    assert "trustcenter.policies.views -> trustcenter.policies.models" in result.stdout


def test_no_module_imports_another_modules_private_names():
    """`_name` is private to its module: another module using it would break when it changes."""
    offences = []
    for importer, path in MODULES:
        tree = ast.parse(path.read_text(), filename=str(path))
        project_modules = {}  # local name -> project module, for `module._name` below
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                source = _absolute(node, importer, path)
                if not _is_project(source) or source == importer:
                    continue
                for alias in node.names:
                    if alias.name.startswith("_"):
                        offences.append(f"{path.relative_to(ROOT)}:{node.lineno}: {source}.{alias.name}")
                    elif f"{source}.{alias.name}" in MODULE_NAMES:
                        project_modules[alias.asname or alias.name] = f"{source}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if _is_project(alias.name) and alias.asname:
                        project_modules[alias.asname] = alias.name
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in project_modules
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                offences.append(f"{path.relative_to(ROOT)}:{node.lineno}: {project_modules[node.value.id]}.{node.attr}")
    assert offences == []


# Imports inside functions hide a dependency from a reader (and from import-linter's picture of
# the layers, which sees them but cannot tell why they are there). The one accepted reason: an
# app's `ready()` runs once the app registry is ready, which models and signal receivers need.
def _function_imports(tree: ast.Module):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom | ast.Import):
                    yield node, inner


KNOWN_FUNCTION_IMPORTS: set[tuple[str, str]] = set()


def test_project_imports_are_at_the_top_of_the_module():
    offences = []
    for importer, path in MODULES:
        tree = ast.parse(path.read_text(), filename=str(path))
        for function, node in _function_imports(tree):
            if isinstance(node, ast.ImportFrom):
                names = [_absolute(node, importer, path)]
            else:
                names = [alias.name for alias in node.names]
            if not any(_is_project(name) for name in names):
                continue
            if path.name == "apps.py" and function.name == "ready":
                continue
            if all((str(path.relative_to(ROOT)), name) in KNOWN_FUNCTION_IMPORTS for name in names):
                continue
            offences.append(f"{path.relative_to(ROOT)}:{node.lineno} in {function.name}(): {', '.join(names)}")
    assert offences == []


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from trustcenter.policies.views import _locked\n", "trustcenter.policies.views._locked"),
        ("from trustcenter.core import backup as b\nb._Encoder\n", "trustcenter.core.backup._Encoder"),
    ],
)
def test_the_private_name_check_can_fail(tmp_path, monkeypatch, source, expected):
    """The check above finds both shapes of private reaching (a guard against a check that passes vacuously)."""
    module = tmp_path / "trustcenter" / "offender.py"
    module.parent.mkdir()
    module.write_text(source)
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "MODULES", [("trustcenter.offender", module)])
    monkeypatch.setattr(sys.modules[__name__], "MODULE_NAMES", {"trustcenter.core.backup"})
    with pytest.raises(AssertionError) as failure:
        test_no_module_imports_another_modules_private_names()
    assert expected in str(failure.value)


def _rebound_names(tree: ast.Module) -> list[tuple[str, int]]:
    """Names a module's top level binds a second time (an assignment, def or class)."""
    seen, again = set(), []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names = [node.name]
        elif isinstance(node, ast.Assign):
            names = [target.id for target in node.targets if isinstance(target, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            names = [node.target.id]
        else:
            continue
        for name in names:
            if name in seen:
                again.append((name, node.lineno))
            seen.add(name)
    return again


def test_no_module_binds_a_top_level_name_twice():
    """A second `_PATTERN = ...` further down a long module silently replaces the first for every
    function above it that uses it (it happened twice in the questionnaire rules)."""
    offences = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for _module, path in MODULES
        for name, line in _rebound_names(ast.parse(path.read_text(), filename=str(path)))
    ]
    assert offences == []


def test_the_rebinding_check_can_fail():
    tree = ast.parse("_WORDS = 1\n\ndef f():\n    return _WORDS\n\n_WORDS = 2\nOTHER = 3\n")
    assert _rebound_names(tree) == [("_WORDS", 6)]
