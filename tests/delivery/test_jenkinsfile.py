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


def stage_body(name):
    """The text of stage `name`, up to the next stage."""
    start = JENKINSFILE.index(f"stage('{name}')")
    following = JENKINSFILE.find("stage('", start + 1)
    return JENKINSFILE[start : following if following != -1 else len(JENKINSFILE)]


def shell_commands():
    """Every shell command the Jenkinsfile runs, continuation lines joined."""
    blocks = re.findall(r"sh\(script: '''(.*?)'''", JENKINSFILE, flags=re.DOTALL)
    blocks += re.findall(r"sh '''(.*?)'''", JENKINSFILE, flags=re.DOTALL)
    blocks += re.findall(r"sh\(script: '([^'\n]*)'", JENKINSFILE)
    return [re.sub(r"\\\n\s*", " ", block).strip() for block in blocks]


def test_loop_guard_is_the_first_stage_and_gates_the_build():
    stages = re.findall(r"stage\('([^']+)'\)", JENKINSFILE)
    assert stages == [
        "Loop guard",
        "Build and deploy",
        "Image in registry",
        "Test",
        "Build and push image",
        "Bump image tag",
        "Promote",
        "Deploy landed",
    ]
    loop_guard_stage = stage_body("Loop guard")
    assert "python -m delivery.loop_guard" in loop_guard_stage
    assert "returnStatus: true" in loop_guard_stage
    # A building environment builds when the guard says so (exit 1); a promoted one never.
    assert "env.NEEDS_BUILD = (verdict == 1).toString()" in loop_guard_stage
    assert re.search(r"if \(env\.PROMOTED_FROM\) \{\s*env\.NEEDS_BUILD = 'false'", loop_guard_stage)
    assert re.search(
        r"when \{\s*environment name: 'NEEDS_BUILD', value: 'true'\s*\}",
        stage_body("Build and deploy"),
    )


def test_a_promoted_environment_promotes_with_the_tool_a_person_runs():
    promote = stage_body("Promote")
    assert re.search(r"when \{\s*expression \{ env\.PROMOTED_FROM \}\s*\}", promote)
    [command] = [c for c in shell_commands() if "python -m delivery.promote" in c]
    assert '--from "${PROMOTED_FROM}"' in command and '--to "${DEPLOY_ENVIRONMENT}"' in command
    assert '--repository "${ECR_REPOSITORY}"' in command
    assert "withCredentials([gitUsernamePassword(" in promote
    # Its verdict is the build's description, and its failure the build's.
    assert "currentBuild.description" in promote and "error(verdict)" in promote


def test_every_run_waits_for_argo_cd_then_records_and_describes_the_deploy():
    landed = stage_body("Deploy landed")
    assert "when {" not in landed, "deploy-only commits are waited for too"
    [wait] = [c for c in shell_commands() if "python -m delivery.argocd_wait" in c]
    assert "--kubernetes" in wait, "the agent's service account, no Argo CD token"
    assert '--revision "$(git rev-parse HEAD)"' in wait
    assert '--application "${ARGOCD_APPLICATION}"' in wait
    # The wait's verdict fails the build before anything is recorded.
    assert landed.index("error(state)") < landed.index("python -m delivery.deployed")
    assert "currentBuild.description" in landed and "ARGOCD_APPLICATION_URL" in landed
    # Commits pushed during the wait are fetched: with the Git credential (private repos).
    assert landed.index("withCredentials([gitUsernamePassword(") < landed.index("argocd_wait")
    [recorded] = [c for c in shell_commands() if "python -m delivery.deployed" in c]
    assert '--environment "${DEPLOY_ENVIRONMENT}"' in recorded
    assert '--values-file "${VALUES_FILE}"' in recorded
    # What is recorded is what Argo CD reported healthy, which may be later than HEAD.
    assert '--healthy-revision-file "${WORKSPACE_TMP}/healthy-revision"' in wait
    assert '--revision "$(cat "${WORKSPACE_TMP}/healthy-revision")"' in recorded


@pytest.mark.parametrize(
    "tool", ["tag_bump", "loop_guard", "image_exists", "promote", "argocd_wait", "deployed"]
)
def test_each_tool_is_called_with_only_options_it_accepts(tool):
    calls = [c for c in shell_commands() if f"python -m delivery.{tool} " in c]
    assert calls, f"the Jenkinsfile does not call delivery.{tool}"
    tool_help = subprocess.run(
        [sys.executable, "-m", f"delivery.{tool}", "--help"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    accepted = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", tool_help))
    for call in calls:
        arguments = call.split(f"delivery.{tool}", 1)[1]
        for option in re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", arguments):
            assert option in accepted, f"{option} is not an option of delivery.{tool}"


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


def test_tag_bump_writes_the_environments_own_values_file():
    command = shell_command("python -m delivery.tag_bump")
    assert '--values-file "${VALUES_FILE}"' in command
    assert "--key image.tag" in command
    assert '--tag "${SHORT_SHA}"' in command
    assert "VALUES_FILE =" not in JENKINSFILE, "JCasC sets it per environment"


def jcasc_variables() -> list[str]:
    """Every variable JCasC sets, for a building and for a promoted environment."""
    from infra_constructs.jenkins import JenkinsValuesProps, pipeline_environment

    common = {
        "ecr_registry": "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
        "ecr_repository": "app",
        "repo_url": "https://github.com/example/shop.git",
        "branch": "main",
        "jenkinsfile_path": "Jenkinsfile",
        "job_name": "shop",
        "admin_secret": "jenkins-admin",
        "git_credentials_secret": "jenkins-git",
        "bot_name": "bot",
        "bot_email": "bot@example.com",
        "plugins": (),
        "storage_class": "gp3",
        "storage_size_gib": 8,
        "agent_pod_yaml": "",
        "chart_path": "helm/shop",
        "values_file": "helm/shop/values-prod.yaml",
        "argocd_namespace": "argocd",
        "application": "shop",
        "application_url": "https://localhost:8443/applications/argocd/shop",
    }
    building = JenkinsValuesProps(environment="dev", ecr_cache_repository="app/cache", **common)
    promoted = JenkinsValuesProps(
        environment="prod", ecr_cache_repository=None, promoted_from="dev", **common
    )
    return sorted({*pipeline_environment(building), *pipeline_environment(promoted)})


@pytest.mark.parametrize("variable", jcasc_variables())
def test_every_jenkins_environment_value_is_documented_in_the_header_and_used(variable):
    header = JENKINSFILE[: JENKINSFILE.index("pipeline {")]
    assert re.search(rf"^//\s+{variable}\s+\S", header, flags=re.MULTILINE)
    assert re.search(rf"(\$\{{{variable}\}}|env\.{variable})", JENKINSFILE[len(header) :])
