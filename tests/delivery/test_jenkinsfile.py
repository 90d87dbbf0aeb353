"""Static checks of the Jenkinsfile: guard rails, pinned images, and calls that match the tools."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
JENKINSFILE = (REPO_ROOT / "Jenkinsfile").read_text()


AGENT_POD_FILE = "jenkins/agent-pod.yaml"


def agent_pod():
    """The build pod the Jenkinsfile names (the same file the JCasC pod template is made of)."""
    assert f"yamlFile '{AGENT_POD_FILE}'" in JENKINSFILE
    return yaml.safe_load((REPO_ROOT / AGENT_POD_FILE).read_text())


def shell_command(marker):
    """The shell command (continuation lines joined) that contains `marker`."""
    for block in re.findall(r"sh '''(.*?)'''", JENKINSFILE, flags=re.DOTALL):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            if marker in line:
                return line.strip()
    raise AssertionError(f"no shell command contains {marker!r}")


def options_block():
    return re.search(r"\n    options \{(.*?)\n    \}", JENKINSFILE, flags=re.DOTALL).group(1)


def test_builds_never_overlap_and_are_bounded_in_time_and_history():
    options = options_block()
    assert "disableConcurrentBuilds()" in options
    timeout = re.search(r"timeout\(time: (\d+), unit: 'MINUTES'\)", options)
    assert timeout and 0 < int(timeout.group(1)) <= 60
    assert re.search(r"buildDiscarder\(logRotator\(numToKeepStr: '\d+'\)\)", options)


def test_loop_guard_is_the_first_stage_and_gates_every_other_stage():
    stages = re.findall(r"stage\('([^']+)'\)", JENKINSFILE)
    assert stages[0] == "Loop guard"
    loop_guard_stage = JENKINSFILE[
        JENKINSFILE.index("stage('Loop guard')") : JENKINSFILE.index(f"stage('{stages[1]}')")
    ]
    assert "python -m delivery.loop_guard" in loop_guard_stage
    assert "returnStatus: true" in loop_guard_stage
    gated = JENKINSFILE[JENKINSFILE.index(f"stage('{stages[1]}')") :]
    assert re.search(r"when \{\s*environment name: 'IS_BOT_BUMP', value: 'false'\s*\}", gated)
    assert stages[1:] == [
        "Build and deploy",
        "Image in registry",
        "Test",
        "Build and push image",
        "Bump image tag",
    ]


def test_a_commit_whose_image_exists_skips_test_and_build_but_is_bumped():
    """Build Now after a failed bump: the IMMUTABLE tag would refuse a second push."""
    check = JENKINSFILE[
        JENKINSFILE.index("stage('Image in registry')") : JENKINSFILE.index("stage('Test')")
    ]
    assert "python -m delivery.image_exists" in check and "returnStatus: true" in check
    assert '--tag "${SHORT_SHA}"' in check and '--repository "${ECR_REPOSITORY}"' in check
    gated = r"when \{\s*environment name: 'IMAGE_BUILT', value: 'false'\s*\}"
    for stage, gated_or_not in [
        ("Test", True),
        ("Build and push image", True),
        ("Bump image tag", False),
    ]:
        start = JENKINSFILE.index(f"stage('{stage}')")
        body = JENKINSFILE[start : start + 400]
        assert bool(re.search(gated, body)) is gated_or_not, stage


def test_agent_pod_uses_the_irsa_service_account_and_pinned_images():
    pod = agent_pod()
    assert pod["spec"]["serviceAccountName"] == "jenkins-agent"
    images = {container["name"]: container["image"] for container in pod["spec"]["containers"]}
    assert set(images) == {"python", "kaniko"}
    for image in images.values():
        repository, _, tag = image.rpartition(":")
        assert repository and re.search(r"\d+\.\d+\.\d+", tag), (
            f"{image} is not pinned to a release"
        )
        assert "latest" not in tag
    assert not images["kaniko"].startswith("gcr.io/kaniko-project/"), (
        "the original Kaniko project is archived"
    )
    assert images["kaniko"].endswith("-debug"), (
        "Jenkins' sh step needs the busybox shell of the debug image"
    )


def test_kaniko_pushes_the_commit_tag_to_ecr_with_a_registry_cache():
    command = shell_command("/kaniko/executor")
    assert '--destination="${ECR_REGISTRY}/${ECR_REPOSITORY}:${SHORT_SHA}"' in command
    assert "--cache=true" in command
    assert '--cache-repo="${ECR_REGISTRY}/${ECR_CACHE_REPOSITORY}"' in command
    assert '--context="dir://${WORKSPACE}/django_app"' in command


def test_tag_bump_targets_the_chart_values_with_only_options_the_tool_accepts():
    command = shell_command("python -m delivery.tag_bump")
    assert "VALUES_FILE = 'helm/django-app/values.yaml'" in JENKINSFILE
    assert '--values-file "${VALUES_FILE}"' in command
    assert "--key image.tag" in command
    assert '--tag "${SHORT_SHA}"' in command
    tool_help = subprocess.run(
        [sys.executable, "-m", "delivery.tag_bump", "--help"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for option in re.findall(r"(--[a-z-]+)", command):
        assert option in tool_help, f"{option} is not an option of delivery.tag_bump"


@pytest.mark.parametrize(
    "variable",
    [
        "ECR_REGISTRY",
        "ECR_REPOSITORY",
        "ECR_CACHE_REPOSITORY",
        "GIT_CREDENTIALS_ID",
        "GIT_BOT_NAME",
        "GIT_BOT_EMAIL",
        "GITOPS_BRANCH",
    ],
)
def test_every_jenkins_environment_value_is_documented_in_the_header_and_used(variable):
    header = JENKINSFILE[: JENKINSFILE.index("pipeline {")]
    assert re.search(rf"^//\s+{variable}\s+\S", header, flags=re.MULTILINE)
    assert re.search(rf"(\$\{{{variable}\}}|env\.{variable})", JENKINSFILE[len(header) :])
