"""The rendered chart: valid Kubernetes objects with the hardened properties the platform relies on.

Rendered for values.yaml alone and with values-dev.yaml / values-prod.yaml (the `environment`
fixture).
"""

import re

import helm_python
import kubernetes_validate
import pytest

from synth_helpers import kubernetes_version

KUBERNETES_VERSION = kubernetes_version()

WORKLOAD_KINDS = {"Deployment", "StatefulSet", "Job"}

LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")


def objects_of_kind(manifests, kind):
    return [manifest for manifest in manifests if manifest["kind"] == kind]


def single(manifests, kind, component=None):
    """The one object of `kind` (with app.kubernetes.io/component `component`, if given)."""
    found = [
        manifest
        for manifest in objects_of_kind(manifests, kind)
        if component is None
        or manifest["metadata"]["labels"].get("app.kubernetes.io/component") == component
    ]
    assert len(found) == 1, f"expected one {kind} {component or ''}, found {len(found)}"
    return found[0]


def web_container(manifests):
    deployment = single(manifests, "Deployment", "web")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


def env_by_name(container):
    return {variable["name"]: variable for variable in container.get("env", [])}


def test_every_object_is_valid_for_kubernetes_in_strict_mode(manifests):
    for manifest in manifests:
        try:
            kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(
                f"{manifest['kind']}/{manifest['metadata']['name']}: "
                f"{'.'.join(map(str, error.path))}: {error.message}"
            )


def test_strict_validation_rejects_an_unknown_field(render):
    deployment = single(render("default"), "Deployment", "web")
    deployment["spec"]["template"]["spec"]["containers"][0]["livenessProbes"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_expected_objects_are_rendered(manifests, environment):
    kinds = sorted(manifest["kind"] for manifest in manifests)
    expected = {
        "default": [
            "ConfigMap",
            "Deployment",
            "Job",
            "NetworkPolicy",
            "NetworkPolicy",
            "PodDisruptionBudget",
            "Service",
            "ServiceAccount",
        ],
        "dev": [
            "ConfigMap",
            "Deployment",
            "Job",
            "NetworkPolicy",
            "NetworkPolicy",
            "PodDisruptionBudget",
            "Service",
            "ServiceAccount",
        ],
        "dev-in-cluster": [
            "ConfigMap",
            "Deployment",
            "Job",
            "NetworkPolicy",
            "NetworkPolicy",
            "NetworkPolicy",
            "PodDisruptionBudget",
            "Service",
            "Service",
            "ServiceAccount",
            "StatefulSet",
        ],
        "prod": [
            "ConfigMap",
            "Deployment",
            "HorizontalPodAutoscaler",
            "Job",
            "NetworkPolicy",
            "NetworkPolicy",
            "PodDisruptionBudget",
            "Service",
            "ServiceAccount",
        ],
    }
    assert kinds == expected[environment]


def test_every_object_is_placed_in_the_release_namespace(manifests):
    assert {manifest["metadata"].get("namespace") for manifest in manifests} == {"django"}


def test_network_policies_admit_only_the_web_port_and_can_be_turned_off(manifests, render):
    policies = {m["metadata"]["name"]: m for m in manifests if m["kind"] == "NetworkPolicy"}
    web = next(p for name, p in policies.items() if not name.endswith(("-migrate", "-postgresql")))
    assert web["spec"]["ingress"] == [{"ports": [{"port": "http", "protocol": "TCP"}]}]
    migrate = next(p for name, p in policies.items() if name.endswith("-migrate"))
    assert "ingress" not in migrate["spec"] and migrate["spec"]["policyTypes"] == ["Ingress"]
    turned_off = render("default", {"networkPolicy": {"enabled": False}})
    assert not [m for m in turned_off if m["kind"] == "NetworkPolicy"]


def test_no_secret_object_is_rendered(manifests):
    assert objects_of_kind(manifests, "Secret") == []


def test_image_is_the_repository_and_tag_from_values(manifests, image_values):
    expected = f"{image_values['repository']}:{image_values['tag']}"
    for workload in (single(manifests, "Deployment", "web"), single(manifests, "Job", "migrate")):
        assert [
            container["image"] for container in workload["spec"]["template"]["spec"]["containers"]
        ] == [expected]


@pytest.mark.parametrize("tag", ["_build.7-", "a" * 60 + "-b" + "c" * 66])
def test_version_label_is_a_valid_label_value_for_any_valid_tag(render, tag):
    for manifest in render("default", {"image": {"tag": tag}}):
        version = manifest["metadata"]["labels"]["app.kubernetes.io/version"]
        assert len(version) <= 63 and LABEL_VALUE.match(version), version


def test_web_container_has_startup_liveness_and_readiness_probes(manifests):
    container = web_container(manifests)
    assert container["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]


def test_every_container_requests_cpu_and_memory_and_limits_memory(manifests):
    for workload in (manifest for manifest in manifests if manifest["kind"] in WORKLOAD_KINDS):
        for container in workload["spec"]["template"]["spec"]["containers"]:
            resources = container["resources"]
            assert {"cpu", "memory"} <= resources["requests"].keys(), workload["metadata"]["name"]
            assert "memory" in resources["limits"], workload["metadata"]["name"]


@pytest.mark.parametrize("kind, component", [("Deployment", "web"), ("Job", "migrate")])
def test_application_pods_run_as_uid_10001_on_a_read_only_root_with_tmp_in_memory_of_an_empty_dir(
    manifests, kind, component
):
    workload = single(manifests, kind, component)
    spec = workload["spec"]["template"]["spec"]
    assert spec["securityContext"]["runAsUser"] == 10001
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["automountServiceAccountToken"] is False
    (container,) = spec["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    tmp_mount = next(mount for mount in container["volumeMounts"] if mount["mountPath"] == "/tmp")
    tmp_volume = next(volume for volume in spec["volumes"] if volume["name"] == tmp_mount["name"])
    assert "sizeLimit" in tmp_volume["emptyDir"]


def test_web_pods_spread_over_zones(manifests):
    spec = single(manifests, "Deployment", "web")["spec"]["template"]["spec"]
    zone_spread = [
        c
        for c in spec["topologySpreadConstraints"]
        if c["topologyKey"] == "topology.kubernetes.io/zone"
    ]
    assert len(zone_spread) == 1
    assert zone_spread[0]["labelSelector"]["matchLabels"]["app.kubernetes.io/component"] == "web"


def test_settings_come_from_the_configmap_and_secrets_only_by_reference(manifests, image_values):
    container = web_container(manifests)
    configmap = single(manifests, "ConfigMap")
    assert container["envFrom"] == [{"configMapRef": {"name": configmap["metadata"]["name"]}}]
    assert configmap["data"]["APP_VERSION"] == image_values["tag"]
    assert configmap["data"]["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert configmap["data"]["DJANGO_ALLOWED_HOSTS"]
    env = env_by_name(container)
    assert env["DJANGO_SECRET_KEY"]["valueFrom"]["secretKeyRef"] == {
        "name": "django-app",
        "key": "DJANGO_SECRET_KEY",
    }
    database_url = env.get("DATABASE_URL_FILE") or env["DATABASE_URL"]
    assert (
        database_url["value"].startswith("/etc/django/database/")
        or "$(POSTGRES_PASSWORD)" in database_url["value"]
    )


@pytest.mark.parametrize("kind", ["Deployment", "Job"])
def test_external_database_url_and_ca_are_files_of_the_mounted_secret(render, kind):
    """RDS: the Secret's URL and CA bundle are files; libpq verifies the server against them."""
    workload = single(render("prod"), kind, "web" if kind == "Deployment" else "migrate")
    spec = workload["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    env = env_by_name(container)
    mount = next(m for m in container["volumeMounts"] if m["name"] == "database")
    volume = next(v for v in spec["volumes"] if v["name"] == "database")
    assert mount == {"name": "database", "mountPath": "/etc/django/database", "readOnly": True}
    assert volume["secret"] == {
        "secretName": "django-app-database",
        "defaultMode": 0o440,
        "items": [{"key": "DATABASE_URL", "path": "url"}, {"key": "ca.pem", "path": "ca.pem"}],
    }
    assert {name: env[name]["value"] for name in ("DATABASE_URL_FILE", "PGSSLROOTCERT")} == {
        "DATABASE_URL_FILE": "/etc/django/database/url",
        "PGSSLROOTCERT": "/etc/django/database/ca.pem",
    }
    assert env["PGSSLMODE"]["value"] == "verify-full"
    assert "DATABASE_URL" not in env and "POSTGRES_PASSWORD" not in env


def test_without_a_ca_key_libpq_verifies_against_the_system_cas(render):
    env = env_by_name(web_container(render("prod", {"database": {"caKey": ""}})))
    assert env["PGSSLROOTCERT"]["value"] == "system"


def test_dev_database_url_is_composed_by_the_kubelet_from_the_password_secret(render):
    manifests = render("dev-in-cluster")
    env = env_by_name(web_container(manifests))
    assert env["POSTGRES_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "django-app",
        "key": "POSTGRES_PASSWORD",
    }
    assert (
        env["DATABASE_URL"]["value"]
        == "postgres://django:$(POSTGRES_PASSWORD)@django-app-postgresql:5432/django"
    )
    names = list(env)
    assert names.index("POSTGRES_PASSWORD") < names.index("DATABASE_URL"), (
        "$(VAR) only expands earlier variables"
    )
    pod = single(manifests, "Deployment", "web")["spec"]["template"]["spec"]
    assert [volume["name"] for volume in pod["volumes"]] == ["tmp"]


def test_allowed_hosts_include_configured_and_ingress_hosts(render):
    manifests = render(
        "prod",
        {
            "django": {"allowedHosts": ["admin.example.com"]},
            "ingress": {
                "enabled": True,
                "hosts": [
                    {"host": "www.example.com", "paths": [{"path": "/", "pathType": "Prefix"}]}
                ],
            },
        },
    )
    data = single(manifests, "ConfigMap")["data"]
    hosts = data["DJANGO_ALLOWED_HOSTS"].split(",")
    assert {"admin.example.com", "www.example.com", "django-app"} <= set(hosts)
    assert data["DJANGO_CSRF_TRUSTED_ORIGINS"] == "https://www.example.com"


def test_without_an_ingress_no_origin_is_trusted_for_csrf(render):
    assert "DJANGO_CSRF_TRUSTED_ORIGINS" not in single(render("prod"), "ConfigMap")["data"]


@pytest.mark.parametrize("environment_with_external_database", ["default", "prod"])
def test_migration_job_is_a_pre_install_and_pre_upgrade_hook_with_an_external_database(
    render, environment_with_external_database
):
    job = single(render(environment_with_external_database), "Job", "migrate")
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert annotations["helm.sh/hook-weight"] == "0"
    assert annotations["helm.sh/hook-delete-policy"] == "before-hook-creation,hook-succeeded"
    assert "argocd.argoproj.io/hook" not in annotations
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_migration_job_gets_its_settings_inline_because_it_runs_before_the_configmap_exists(
    manifests,
):
    job_env = env_by_name(
        single(manifests, "Job", "migrate")["spec"]["template"]["spec"]["containers"][0]
    )
    configmap_data = single(manifests, "ConfigMap")["data"]
    assert {name: job_env[name]["value"] for name in configmap_data} == configmap_data
    web_env = env_by_name(web_container(manifests))
    for name in ("DATABASE_URL", "DATABASE_URL_FILE", "PGSSLMODE", "PGSSLROOTCERT"):
        assert web_env.get(name) == job_env.get(name), name
    assert "DATABASE_URL" in job_env or "DATABASE_URL_FILE" in job_env


def test_dev_migration_runs_after_the_in_cluster_database_is_ready(render):
    manifests = render("dev-in-cluster")
    job_annotations = single(manifests, "Job", "migrate")["metadata"]["annotations"]
    database_annotations = single(manifests, "StatefulSet", "postgresql")["metadata"]["annotations"]
    assert job_annotations["argocd.argoproj.io/hook"] == "Sync"
    assert job_annotations["helm.sh/hook"] == "post-install,pre-upgrade"
    assert job_annotations["helm.sh/hook-delete-policy"] == "before-hook-creation,hook-succeeded"
    database_wave = int(database_annotations["argocd.argoproj.io/sync-wave"])
    job_wave = int(job_annotations["argocd.argoproj.io/sync-wave"])
    assert database_wave < job_wave < 0, "the application objects are in wave 0"


def test_dev_database_keeps_its_data_on_a_gp3_volume(render):
    statefulset = single(render("dev-in-cluster"), "StatefulSet", "postgresql")
    (claim,) = statefulset["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["storageClassName"] == "gp3"
    assert statefulset["spec"]["persistentVolumeClaimRetentionPolicy"]["whenDeleted"] == "Retain"
    env = env_by_name(statefulset["spec"]["template"]["spec"]["containers"][0])
    assert "secretKeyRef" in env["POSTGRES_PASSWORD"]["valueFrom"]


def test_web_service_and_budget_select_only_web_pods(render):
    manifests = render("dev-in-cluster")
    web_labels = single(manifests, "Deployment", "web")["spec"]["template"]["metadata"]["labels"]
    database_labels = single(manifests, "StatefulSet", "postgresql")["spec"]["template"][
        "metadata"
    ]["labels"]
    for selector in (
        single(manifests, "Service", "web")["spec"]["selector"],
        single(manifests, "PodDisruptionBudget")["spec"]["selector"]["matchLabels"],
    ):
        assert selector.items() <= web_labels.items()
        assert not selector.items() <= database_labels.items()


def test_prod_scales_with_an_autoscaling_v2_hpa_that_owns_the_replica_count(render):
    manifests = render("prod")
    hpa = single(manifests, "HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "django-app",
    }
    assert hpa["spec"]["minReplicas"] >= 2
    assert "replicas" not in single(manifests, "Deployment", "web")["spec"]


def test_disruption_budget_never_blocks_a_node_drain(manifests):
    assert single(manifests, "PodDisruptionBudget")["spec"] == {
        "maxUnavailable": 1,
        "selector": {
            "matchLabels": {
                "app.kubernetes.io/name": "django-app",
                "app.kubernetes.io/instance": "django-app",
                "app.kubernetes.io/component": "web",
            }
        },
    }


def test_ingress_is_off_by_default_and_routes_to_the_service_when_enabled(render, manifests):
    assert objects_of_kind(manifests, "Ingress") == []
    enabled = render(
        "prod",
        {
            "ingress": {
                "enabled": True,
                "hosts": [
                    {"host": "www.example.com", "paths": [{"path": "/", "pathType": "Prefix"}]}
                ],
                "tls": [{"hosts": ["www.example.com"]}],
            }
        },
    )
    ingress = single(enabled, "Ingress")
    kubernetes_validate.validate(ingress, KUBERNETES_VERSION, strict=True)
    assert ingress["spec"]["ingressClassName"] == "alb"
    (rule,) = ingress["spec"]["rules"]
    assert rule["http"]["paths"][0]["backend"]["service"] == {
        "name": "django-app",
        "port": {"name": "http"},
    }


def test_config_change_rolls_the_pods(render):
    def checksum(manifests):
        return single(manifests, "Deployment", "web")["spec"]["template"]["metadata"][
            "annotations"
        ]["checksum/config"]

    assert checksum(render("prod")) != checksum(
        render("prod", {"django": {"extraEnv": {"DJANGO_LOG_LEVEL": "WARNING"}}})
    )


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"postgresql": {"enabled": True, "auth": {"existingSecret": "pg"}}}, "not both"),
        ({"database": {"existingSecret": ""}}, "no database"),
        (
            {"database": {"existingSecret": ""}, "postgresql": {"enabled": True}},
            "postgresql.auth.existingSecret is required",
        ),
        ({"image": {"repository": ""}}, "image.repository is required"),
    ],
)
def test_render_fails_with_a_clear_message_on_inconsistent_values(render, overrides, message):
    with pytest.raises(helm_python.HelmError, match=message):
        render("default", overrides)


def test_lint_strict_is_clean(chart_dir, values_for, environment):
    report = helm_python.lint(
        chart_dir, values_for(environment), strict=True, kube_version=f"v{KUBERNETES_VERSION}.0"
    )
    problems = [message for message in report["messages"] if message["severity"] >= 2]
    assert (problems, report["errors"]) == ([], [])


@pytest.mark.parametrize("values_set", ["dev", "dev-in-cluster", "prod"])
def test_the_secrets_the_platform_syncs_are_the_ones_the_chart_reads(render, values_set):
    """Every (Secret, key) a rendered pod refers to is one the platform stack syncs for that
    environment (from Secrets Manager, or with RDS the database's Secret built from RDS's own
    secret), and nothing more is synced."""
    from infra_config.secrets import app_secret_keys, app_values
    from policy.render_chart import VALUES_SETS, database_kind

    environment, database = values_set.split("-")[0], VALUES_SETS[values_set][1]
    kind = database_kind(database)
    referred = set()
    for manifest in render(values_set):
        if manifest["kind"] not in WORKLOAD_KINDS:
            continue
        pod = manifest["spec"]["template"]["spec"]
        for container in pod["containers"] + pod.get("initContainers", []):
            for variable in container.get("env", []):
                reference = variable.get("valueFrom", {}).get("secretKeyRef")
                if reference:
                    referred.add((reference["name"], reference["key"]))
        for volume in pod.get("volumes", []):
            if "secret" in volume:
                referred |= {
                    (volume["secret"]["secretName"], i["key"]) for i in volume["secret"]["items"]
                }
    synced = {
        (name, key) for name, keys in app_secret_keys(environment, kind).items() for key in keys
    }
    if kind == "rds":
        database = app_values(environment, kind)["database"]
        synced |= {(database["existingSecret"], database[key]) for key in ("urlKey", "caKey")}
    assert referred == synced
