"""``docs/ci.md``'s snippets work: each is parsed as the CI system would, its perfcodemod
command is run for real on a project (the shell line as written, with perfcodemod from this
environment), and what the next step reads from it (the SARIF upload, GitLab's report, the
annotations) is checked; the pre-commit configuration is validated by pre-commit itself."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from .conftest import REPO, write

CI_DOC = REPO / "docs" / "ci.md"
SCHEMA = REPO / "tests" / "data" / "sarif" / "sarif-schema-2.1.0.json"
CODE = 'def f(v):\n    return v in ["a", "b"]\n'


def _snippets() -> dict[str, Any]:
    """The YAML blocks of docs/ci.md, by the file name in their first comment line."""
    text = CI_DOC.read_text(encoding="utf-8")
    found: dict[str, Any] = {}
    for block in re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL):
        name = block.splitlines()[0].lstrip("# ").strip()
        found.setdefault(name, []).append(yaml.safe_load(block))
    return found


def _run_shell(line: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A CI shell line, with this environment's ``perfcodemod`` first on PATH."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("PERFCODEMOD_DEBUG", None)
    return subprocess.run(["bash", "-c", line], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    write(tmp_path / "src" / "app.py", CODE)
    return tmp_path


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    [job] = workflow["jobs"].values()
    steps: list[dict[str, Any]] = job["steps"]
    return steps


def _perfcodemod_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("perfcodemod ")]


def test_github_sarif_workflow(repo: Path) -> None:
    workflows = _snippets()[".github/workflows/perfcodemod.yml"]
    sarif_flow = next(w for w in workflows if "sarif" in json.dumps(w))
    [job] = sarif_flow["jobs"].values()
    assert job["permissions"]["security-events"] == "write"
    steps = _steps(sarif_flow)
    [check] = _perfcodemod_lines([s.get("run", "") for s in steps])
    upload = next(s for s in steps if s.get("uses", "").startswith(
        "github/codeql-action/upload-sarif@"))
    report = upload["with"]["sarif_file"]
    result = _run_shell(check, repo)
    assert result.returncode == 0, result.stderr  # --exit-zero: the upload step runs
    document = json.loads((repo / report).read_text(encoding="utf-8"))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(
        document)
    [finding] = document["runs"][0]["results"]
    assert finding["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/app.py"


def test_github_annotations_workflow(repo: Path) -> None:
    workflows = _snippets()[".github/workflows/perfcodemod.yml"]
    annotations = next(w for w in workflows if "--output-format github" in json.dumps(w))
    [check] = _perfcodemod_lines([s.get("run", "") for s in _steps(annotations)])
    result = _run_shell(check, repo)
    assert result.returncode == 1  # the step fails on findings, as the doc says
    [line] = result.stdout.splitlines()
    assert line.startswith("::warning file=") and ",line=2,col=17," in line


def test_gitlab_code_quality_job(repo: Path) -> None:
    [pipeline] = _snippets()[".gitlab-ci.yml"]
    job = pipeline["perfcodemod"]
    [check] = _perfcodemod_lines(job["script"])
    report = job["artifacts"]["reports"]["codequality"]
    assert job["artifacts"]["when"] == "always"
    result = _run_shell(check, repo)
    assert result.returncode == 0, result.stderr
    [issue] = json.loads((repo / report).read_text(encoding="utf-8"))
    assert issue["location"] == {"path": "src/app.py", "lines": {"begin": 2, "end": 2}}


def test_pre_commit_ci_configuration(tmp_path: Path) -> None:
    [config] = _snippets()[".pre-commit-config.yaml"]
    assert config["ci"]["autofix_prs"] is True
    [repository] = config["repos"]
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for h in repository["hooks"]] == ["perfcodemod-fix", "perfcodemod"]
    assert {h["id"] for h in repository["hooks"]} <= {h["id"] for h in hooks}
    pre_commit = shutil.which("pre-commit", path=str(Path(sys.executable).parent))
    if pre_commit is None:
        pytest.skip("pre-commit is not installed (it is in the dev extra)")
    path = tmp_path / ".pre-commit-config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    result = subprocess.run([pre_commit, "validate-config", str(path)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
