"""The deployment files say what the code does: compose.yaml and deploy/kubernetes.yaml name only settings that
exist with values the service accepts, probe /healthz on the port it listens on, reach PostgreSQL and the Chroma
server they run, and build with the command the service has."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import yaml

from service.settings import Settings
from tests.helpers import ROOT

BUILD_COMMAND = ["python", "-m", "service.reload", "--build"]
PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


def compose() -> dict[str, Any]:
    services: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))["services"]
    return services


def kubernetes() -> dict[str, dict[str, Any]]:
    documents = yaml.safe_load_all((ROOT / "deploy" / "kubernetes.yaml").read_text(encoding="utf-8"))
    return {document["kind"]: document for document in documents}


def settings_of(environment: dict[str, str]) -> Settings:
    """The service's own settings from a file's environment (a secret's placeholder read as a valid value)."""
    values = {}
    for key, value in environment.items():
        assert key.startswith("MADOGUCHI_"), key
        name = key.removeprefix("MADOGUCHI_").lower()
        assert name in Settings.model_fields, f"{key} is not a setting of the service"
        values[name] = PLACEHOLDER.sub("placeholder-secret-0001", str(value))
    return Settings(**values)


def replicas_in_compose() -> dict[str, Any]:
    return {name: s for name, s in compose().items() if name.startswith("replica-")}


def test_compose_runs_two_replicas_of_one_image_on_postgresql_and_the_chroma_server_it_starts():
    services = compose()
    replicas = replicas_in_compose()
    assert len(replicas) >= 2 and len({s["image"] for s in replicas.values()}) == 1
    for replica in replicas.values():
        settings = settings_of(replica["environment"])
        assert settings.shared_generations and settings.host == "0.0.0.0"
        database, chroma = urlsplit(settings.database_url), urlsplit(settings.chroma_url or "")
        assert database.scheme.startswith("postgresql") and database.hostname in services
        assert chroma.hostname in services and chroma.port == 8000  # `chroma run`'s port
        assert {"postgres", "chroma"} <= set(replica["depends_on"])
        probe = " ".join(replica["healthcheck"]["test"])
        assert f"127.0.0.1:{settings.port}/healthz" in probe


def test_compose_balancer_sends_to_every_replica_on_its_port_and_the_build_is_the_services_command():
    services = compose()
    nginx = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    upstreams = set(re.findall(r"server (\S+):(\d+)", nginx))
    expected = {(name, str(settings_of(s["environment"]).port)) for name, s in replicas_in_compose().items()}
    assert upstreams == expected
    balancer_address = services["balancer"]["networks"]["madoguchi"]["ipv4_address"]
    for replica in replicas_in_compose().values():
        assert settings_of(replica["environment"]).trusted_proxies == balancer_address
    build = services["build"]
    assert build["command"] == BUILD_COMMAND and build["image"] == next(iter(replicas_in_compose().values()))["image"]


def test_kubernetes_replicas_are_ready_on_healthz_and_the_build_job_shares_their_image_and_settings():
    kinds = kubernetes()
    deployment, service, job = kinds["Deployment"], kinds["Service"], kinds["Job"]
    assert deployment["spec"]["replicas"] >= 2
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    (builder,) = job["spec"]["template"]["spec"]["containers"]
    from_secrets = {"MADOGUCHI_DATABASE_URL": "postgresql+psycopg://${secret}@db/madoguchi"}
    settings = settings_of(
        {e["name"]: e.get("value", from_secrets.get(e["name"], "${secret}")) for e in container["env"]}
    )
    assert settings.shared_generations and settings.host == "0.0.0.0"
    port = container["ports"][0]["containerPort"]
    assert port == settings.port == service["spec"]["ports"][0]["targetPort"]
    assert container["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": port}
    assert builder["command"] == BUILD_COMMAND
    assert builder["image"] == container["image"] and builder["env"] == container["env"]


def test_deployment_files_hold_no_secret_only_references_to_one():
    secret = re.compile(r"TOKEN|PASSWORD|DATABASE_URL")
    for service in compose().values():
        for key, value in dict(service.get("environment", {})).items():
            assert not secret.search(key) or "${" in str(value), f"compose.yaml: {key} holds a secret"
    for kind in ("Deployment", "Job"):
        (container,) = kubernetes()[kind]["spec"]["template"]["spec"]["containers"]
        for entry in container["env"]:
            assert not secret.search(entry["name"]) or "secretKeyRef" in entry.get("valueFrom", {}), entry
