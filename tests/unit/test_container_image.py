"""The image docker-compose.yml runs (deploy/Dockerfile) holds every workspace member: `uv
sync --frozen` refuses a workspace with a member missing, so a service added to the workspace
but not to the image breaks every container, not just its own."""
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def workspace_members() -> list[str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]["members"]


def copied(pattern: str) -> set[str]:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    return {match.rstrip("/") for match in re.findall(pattern, dockerfile, flags=re.MULTILINE)}


def test_the_image_copies_every_workspace_members_project_file_before_syncing_its_dependencies():
    assert copied(r"^COPY (\S+)/pyproject\.toml ") == set(workspace_members())


def test_the_image_copies_every_workspace_member_itself():
    assert copied(r"^COPY (\S+)/ \S+/$") == set(workspace_members())
