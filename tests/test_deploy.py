"""deploy/: the docker-compose file and the Kubernetes manifests for several instances. They
cannot be run here, so they are checked as documents: valid YAML, the topology the scale-out
tests prove (two Rasa and two action servers, PostgreSQL, Redis, sticky socket.io), every setting
one Praxis reads, and every secret from a Secret or the environment, never written in."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import yaml

from praxis import config
from praxis.config import ROOT

DEPLOY = ROOT / "deploy"
SETTINGS = {f.name.upper() for f in fields(config.Settings)}
RASA_ENV = {"ACTION_ENDPOINT_URL", "TICKET_LOCK_LIFETIME", "SANIC_REQUEST_MAX_SIZE"}
SECRETS = set(config.SECRETS_USED_BY)


def load_all(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def test_compose_runs_the_scale_out_topology():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"postgres", "redis", "rasa-1", "rasa-2", "actions-1", "actions-2", "web",
            "proxy"} <= set(services)
    for n in (1, 2):
        rasa = services[f"rasa-{n}"]
        assert rasa["build"]["target"] == "rasa"
        env = rasa["environment"]
        assert env["ACTION_ENDPOINT_URL"] == f"http://actions-{n}:5055/webhook"
        assert set(env) <= SETTINGS | RASA_ENV
        assert {"DB_HOST", "REDIS_HOST", "SESSION_SECRET", "TICKET_LOCK_LIFETIME"} <= set(env)
    for name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            if key in SECRETS | {"POSTGRES_PASSWORD"}:  # from deploy/.env, never written in
                secret = r"\$\{\w+(:[?-][^}]*)?\}"
                assert re.fullmatch(secret, str(value)) or (  # or a URL with one inside
                    key == "DATABASE_URL" and re.search(f":{secret}@", str(value))), (name, key)


def test_the_proxy_keeps_socketio_sticky_and_limits_bodies():
    nginx = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    sticky = nginx[nginx.index("upstream rasa_sticky"):nginx.index("}")]
    assert "ip_hash;" in sticky and "rasa-1:5005" in sticky and "rasa-2:5005" in sticky
    assert re.search(r"location /socket.io/ \{[^}]*proxy_pass http://rasa_sticky;", nginx)
    assert "client_max_body_size 256k;" in nginx
    assert "location /webhooks/teams/ {" in nginx and "/webhooks/rest" not in nginx
    # each location names the client in X-Forwarded-For, replacing what the client sent
    assert nginx.count("proxy_pass") == nginx.count("proxy_set_header X-Forwarded-For "
                                                    "$remote_addr;")


def test_only_the_deployment_s_proxy_is_trusted_for_the_client_s_address():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
    proxy_ip = compose["services"]["proxy"]["networks"]["default"]["ipv4_address"]
    assert compose["services"]["web"]["environment"]["TRUSTED_PROXIES"] == proxy_ip
    configmap = load_all(DEPLOY / "k8s" / "configmap.yaml")[0]["data"]
    assert configmap["TRUSTED_PROXIES"]


def test_the_dockerfile_builds_the_three_images_the_manifests_run():
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    for target in ("widget", "source", "rasa", "actions", "web"):
        assert re.search(rf"^FROM \S+ AS {target}$", dockerfile, re.M)
    assert '"--endpoints", "endpoints.scale.yml"' in dockerfile
    assert '"python", "-m", "praxis.action_server"' in dockerfile
    assert '"python", "-m", "web"' in dockerfile
    copied = re.findall(r"^COPY (?!--)(\S+)", dockerfile, re.M)
    for path in copied:
        assert (ROOT / path).exists(), path
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    packages = re.search(r'include = \[([^\]]*)\]', pyproject).group(1)
    for package in re.findall(r'"(\w+)\*"', packages):  # every package the images install
        assert package in copied, f"the Dockerfile does not copy {package}/"


def test_kubernetes_manifests_are_consistent():
    docs = [d for f in sorted((DEPLOY / "k8s").glob("*.yaml")) for d in load_all(f)]
    for d in docs:
        assert d["apiVersion"] and d["kind"] and d["metadata"]["name"]
    by_kind: dict[str, dict[str, dict]] = {}
    for d in docs:
        by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
    deployments, services = by_kind["Deployment"], by_kind["Service"]
    assert deployments["praxis-rasa"]["spec"]["replicas"] == 2
    assert deployments["praxis-actions"]["spec"]["replicas"] == 2
    [configmap] = by_kind["ConfigMap"].values()
    assert set(configmap["data"]) <= SETTINGS | RASA_ENV
    assert not set(configmap["data"]) & SECRETS
    for name, deployment in deployments.items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
        assert services[name]["spec"]["selector"].items() <= labels.items()  # a Service each
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        assert container["resources"]["limits"]["memory"] and container["readinessProbe"]
        assert container["envFrom"] == [{"configMapRef": {"name": "praxis-config"}}]
        for env in container.get("env", []):
            assert env["valueFrom"]["secretKeyRef"]["name"] == "praxis-secrets"
            assert env["name"] in SETTINGS
    ingresses = by_kind["Ingress"]
    sticky = ingresses["praxis-socketio"]
    assert sticky["metadata"]["annotations"]["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    [rule] = sticky["spec"]["rules"]
    assert rule["http"]["paths"][0]["path"] == "/socket.io"
    paths = [p for i in ingresses.values() for r in i["spec"]["rules"] for p in r["http"]["paths"]]
    assert {p["backend"]["service"]["name"] for p in paths} <= set(services)
    assert not [p for p in paths if p["path"].startswith("/webhooks/rest")
                or p["path"] == "/webhooks"]  # the REST webhook stays inside
    [policy] = by_kind["NetworkPolicy"].values()  # only the Rasa pods reach the action servers
    actions = deployments["praxis-actions"]["spec"]["template"]["metadata"]["labels"]
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= actions.items()
    [rule] = policy["spec"]["ingress"]
    rasa = deployments["praxis-rasa"]["spec"]["template"]["metadata"]["labels"]
    assert rule["from"][0]["podSelector"]["matchLabels"].items() <= rasa.items()


def test_each_process_is_handed_only_the_secrets_it_uses():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
    names = {"rasa-1": "rasa", "rasa-2": "rasa", "actions-1": "actions", "web": "web"}
    docs = [d for f in sorted((DEPLOY / "k8s").glob("*.yaml")) for d in load_all(f)]
    pods = {d["metadata"]["name"].removeprefix("praxis-"): d for d in docs
            if d["kind"] == "Deployment"}
    for service, process in names.items():
        held = set(compose["services"][service]["environment"]) & SECRETS
        [container] = pods[process]["spec"]["template"]["spec"]["containers"]
        held_k8s = {e["name"] for e in container.get("env", [])} & SECRETS
        for secrets in (held, held_k8s):
            assert {s for s in secrets if process not in config.SECRETS_USED_BY[s]} == set(), (
                service, secrets)
        assert "ACTION_SERVER_KEY" in held_k8s or process == "web"
