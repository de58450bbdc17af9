"""Checks container/'s Kubernetes manifests offline, as far as an API server would, and that
they agree with the image and with how the Iter8 controller starts handler Jobs.

    /usr/bin/python3 tests/manifests_check.py SOURCE_DIR PROJECT_VERSION

container/install (the overlay that switches an installed Iter8 to this handler) and its
rollback are rendered with `kubectl kustomize` (ITER8_KUBECTL, else kubectl on PATH: Debian's
kubernetes-client, 1.20, offline), every rendered document and the Job template inside the
ConfigMap are checked the same way, the template against what the controller relies on, and
the additive role against the handler's least-privilege rules.

Each YAML document is built into the typed model of Debian's python3-kubernetes (V1Job,
V1ClusterRole, ...) field by field: an unknown field, a value of the wrong type or a missing
required field is an error naming its path (the API server would reject or silently drop
it). Then the Job is compared with the controller's template (original-tasks.md, section 2),
the RBAC with what the handler calls, and the image tag and SCRATCH_DIR with the Dockerfile
and scripts. A self-test first makes sure a misspelt field is caught. Exit 1 on any error.
"""
import copy
import os
import re
import shutil
import subprocess
import sys

import yaml
from kubernetes import client

PRIMITIVES = {"str": str, "bool": bool, "int": int, "float": (int, float)}
PRIMITIVES_NAMES = {"str": "a string", "bool": "a boolean", "int": "an integer",
                    "float": "a number"}


def mismatches(manifest, expect):
    """One error per (what, got, want) of `expect` whose value is not the one wanted."""
    return [f"{manifest} {what} is {got!r}; expected {want!r}"
            for what, got, want in expect if got != want]


def build(type_name, data, path, errors):
    """Returns data as an instance of type_name, appending to errors what does not fit."""
    if data is None:
        return None
    m = re.fullmatch(r"list\[(.+)\]", type_name)
    if m:
        if not isinstance(data, list):
            errors.append(f"{path}: expected a list, got {type(data).__name__}")
            return None
        return [build(m.group(1), v, f"{path}[{i}]", errors) for i, v in enumerate(data)]
    m = re.fullmatch(r"dict\(str, (.+)\)", type_name)
    if m:
        if not isinstance(data, dict):
            errors.append(f"{path}: expected a map, got {type(data).__name__}")
            return None
        return {k: build(m.group(1), v, f"{path}.{k}", errors) for k, v in data.items()}
    if type_name == "object":  # IntOrString and free-form fields
        return data
    if type_name in PRIMITIVES:
        ok = isinstance(data, PRIMITIVES[type_name]) and (
            type_name == "bool" or not isinstance(data, bool))
        if not ok:
            errors.append(f"{path}: expected {PRIMITIVES_NAMES[type_name]}, got {data!r}")
        return data
    if type_name == "datetime":
        return data
    cls = getattr(client, type_name)
    if not isinstance(data, dict):
        errors.append(f"{path}: expected an object ({type_name}), got {type(data).__name__}")
        return None
    json_to_attr = {json: attr for attr, json in cls.attribute_map.items()}
    kwargs = {}
    for key, value in data.items():
        if key not in json_to_attr:
            errors.append(f"{path}: unknown field '{key}' ({type_name} has "
                          f"{', '.join(sorted(json_to_attr))})")
            continue
        attr = json_to_attr[key]
        kwargs[attr] = build(cls.openapi_types[attr], value, f"{path}.{key}", errors)
    try:
        return cls(**kwargs)  # client-side validation: required fields, enums
    except ValueError as e:
        errors.append(f"{path}: {e}")
        return None


def model_name(doc):
    version = doc.get("apiVersion", "").split("/")[-1]
    return version[:1].upper() + version[1:] + doc.get("kind", "")


def check_document(doc, where):
    errors = []
    name = model_name(doc)
    if not hasattr(client, name):
        return [f"{where}: no model {name} for apiVersion {doc.get('apiVersion')!r}, "
                f"kind {doc.get('kind')!r}"]
    build(name, doc, where, errors)
    return errors


def load(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def by_kind(docs, kind):
    return [d for d in docs if d["kind"] == kind]


def main(source_dir, version):
    errors = []
    files = {name: load(f"{source_dir}/container/{name}") for name in ("job.yaml", "rbac.yaml")}

    # The checker itself must catch a misspelt field, a wrong type and a missing name.
    job = by_kind(files["job.yaml"], "Job")[0]
    broken = copy.deepcopy(job)
    broken["spec"]["template"]["spec"]["containers"][0]["imagePulPolicy"] = "Always"
    broken["spec"]["backoffLimit"] = "1"
    del broken["spec"]["template"]["spec"]["containers"][0]["name"]
    found = check_document(broken, "self-test")
    for needle in ("unknown field 'imagePulPolicy'", "backoffLimit: expected an integer",
                   "`name`, must not be `None`"):
        if not any(needle in e for e in found):
            errors.append(f"self-test: the checker did not report {needle!r}; it said {found}")

    for name, docs in files.items():
        for i, doc in enumerate(docs):
            errors += check_document(doc, f"{name} document {i + 1} ({doc.get('kind')})")
    if errors:
        return errors

    # The Job as the controller's template makes it.
    spec = job["spec"]
    pod = spec["template"]["spec"]
    container = pod["containers"][0]
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    expect = [
        ("spec.backoffLimit", spec.get("backoffLimit"), 1),
        ("spec.activeDeadlineSeconds", spec.get("activeDeadlineSeconds"), 300),
        ("serviceAccountName", pod.get("serviceAccountName"), "iter8-handlers"),
        ("restartPolicy", pod.get("restartPolicy"), "Never"),
        ("command", container.get("command"), ["handler"]),
        ("args", container.get("args"), ["run", "-a", "$(ACTION)"]),
        ("image", container.get("image"), f"iter8-handler:{version}"),
    ]
    errors += mismatches("job.yaml", expect)
    for var in ("ACTION", "EXPERIMENT_NAME", "EXPERIMENT_NAMESPACE", "LOG_LEVEL"):
        if not env.get(var):
            errors.append(f"job.yaml: env {var} is not set")

    # Every mount names a volume, and SCRATCH_DIR (the Dockerfile's) is a writable mount when
    # the root filesystem is read-only.
    volumes = {v["name"] for v in pod.get("volumes", [])}
    mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
    for path, volume in mounts.items():
        if volume not in volumes:
            errors.append(f"job.yaml: volumeMount {path} names volume '{volume}', not in volumes")
    with open(f"{source_dir}/container/Dockerfile") as f:
        scratch = re.search(r"SCRATCH_DIR=(\S+)", f.read())
    if not scratch:
        errors.append("container/Dockerfile sets no SCRATCH_DIR")
    elif container.get("securityContext", {}).get("readOnlyRootFilesystem"):
        for path in (scratch.group(1), "/tmp"):
            if path not in mounts:
                errors.append(f"job.yaml: the root filesystem is read-only but {path} is not a volume")

    # The build script's default tag is the Job's image.
    with open(f"{source_dir}/container/engine.sh") as f:
        if "iter8-handler:$version" not in f.read():
            errors.append("container/engine.sh: the default tag is no longer iter8-handler:<version>")

    # RBAC: the Job's service account exists and is bound to what the handler calls.
    rbac = files["rbac.yaml"]
    ns = job["metadata"]["namespace"]
    if not any(sa["metadata"]["name"] == "iter8-handlers" and sa["metadata"]["namespace"] == ns
               for sa in by_kind(rbac, "ServiceAccount")):
        errors.append(f"rbac.yaml: no ServiceAccount iter8-handlers in {ns} (the Job's namespace)")
    # A RoleBinding may name a Role of its namespace (the shards' role) or a ClusterRole.
    roles = {r["metadata"]["name"]: r for r in by_kind(rbac, "ClusterRole") + by_kind(rbac, "Role")}
    bound = set()
    for binding in by_kind(rbac, "ClusterRoleBinding") + by_kind(rbac, "RoleBinding"):
        if binding["roleRef"]["name"] not in roles:
            errors.append(f"rbac.yaml: {binding['metadata']['name']} binds unknown role "
                          f"{binding['roleRef']['name']}")
        if {"kind": "ServiceAccount", "name": "iter8-handlers", "namespace": ns} in binding["subjects"]:
            bound.add(binding["roleRef"]["name"])
    granted = set()
    for name in bound:
        for rule in roles.get(name, {}).get("rules", []):
            for group in rule.get("apiGroups", []):
                for resource in rule.get("resources", []):
                    for verb in rule.get("verbs", []):
                        granted.add((group, resource, verb))
                        if "*" in (group, resource, verb):
                            errors.append(f"rbac.yaml: role {name} grants a wildcard")
    for need in [("iter8.tools", "experiments", "get"),
                 ("iter8.tools", "experiments/status", "update"),
                 ("", "secrets", "get"),
                 ("apps", "deployments", "get"), ("apps", "deployments", "watch"),
                 ("apps", "deployments", "patch"),
                 # metrics/collect with shards: N (docs/scale.md)
                 ("batch", "jobs", "create"), ("batch", "jobs", "delete"),
                 ("", "configmaps", "create"), ("", "configmaps", "list"),
                 ("", "secrets", "create")]:
        if need not in granted:
            errors.append(f"rbac.yaml: iter8-handlers is not granted {need}")
    for extra in [("", "secrets", "list"), ("iter8.tools", "experiments", "update"),
                  ("", "secrets", "watch"), ("iter8.tools", "experiments", "delete")]:
        if extra in granted:
            errors.append(f"rbac.yaml: iter8-handlers is granted {extra}, which no task needs")
    return errors + check_install(source_dir, version, roles.get("iter8-handlers", {}))


def render(source_dir, folder):
    """The documents `kubectl kustomize FOLDER` prints, or an error text."""
    kubectl = os.environ.get("ITER8_KUBECTL") or shutil.which("kubectl")
    if not kubectl:
        return None, "no kubectl (install Debian's kubernetes-client: scripts/install-deps.sh)"
    done = subprocess.run([kubectl, "kustomize", f"{source_dir}/{folder}"], capture_output=True,
                          text=True, env={**os.environ, "KUBECONFIG": "/dev/null"})
    if done.returncode != 0:
        return None, f"kubectl kustomize {folder} failed: {done.stderr.strip()}"
    return [d for d in yaml.safe_load_all(done.stdout) if d is not None], None


def template_of(docs, where, errors):
    """The Job template in ConfigMap iter8-handlers (key handler.yaml), model-checked."""
    maps = [d for d in by_kind(docs, "ConfigMap") if d["metadata"]["name"] == "iter8-handlers"]
    if len(maps) != 1 or "handler.yaml" not in maps[0].get("data", {}):
        errors.append(f"{where}: no ConfigMap iter8-handlers with key handler.yaml")
        return None
    if maps[0]["metadata"].get("namespace") != "iter8-system":
        errors.append(f"{where}: ConfigMap iter8-handlers is not in iter8-system")
    job = yaml.safe_load(maps[0]["data"]["handler.yaml"])
    errors += check_document(job, f"{where} handler.yaml")
    return job


def check_install(source_dir, version, least_privilege):
    errors = []
    docs, problem = render(source_dir, "container/install")
    if problem:
        return [problem]
    for i, doc in enumerate(docs):
        errors += check_document(doc, f"container/install document {i + 1} ({doc.get('kind')})")
    job = template_of(docs, "container/install", errors)
    if job is None or errors:
        return errors
    # What etc3's LaunchHandler relies on (controllers/handler.go): a Job whose first container
    # runs the handler with ACTION in its args; it sets name, namespace, labels, the service
    # account and the env itself.
    pod = job["spec"]["template"]["spec"]
    first = pod["containers"][0]
    expect = [
        ("kind", job.get("kind"), "Job"),
        ("spec.backoffLimit", job["spec"].get("backoffLimit"), 1),
        ("spec.activeDeadlineSeconds", job["spec"].get("activeDeadlineSeconds"), 300),
        ("restartPolicy", pod.get("restartPolicy"), "Never"),
        ("containers", len(pod["containers"]), 1),
        ("containers[0].command", first.get("command"), ["handler"]),
        ("containers[0].args", first.get("args"), ["run", "-a", "$(ACTION)"]),
        ("containers[0].image", first.get("image"), f"iter8-handler:{version}"),
    ]
    errors += mismatches("container/install handler.yaml", expect)
    mounts = {m["mountPath"] for m in first.get("volumeMounts", [])}
    if first.get("securityContext", {}).get("readOnlyRootFilesystem"):
        for path in ("/tmp", "/scratch"):
            if path not in mounts:
                errors.append(f"container/install handler.yaml: read-only root but {path} is "
                              "not a volume")
    # The additive role: only rules the least-privilege role has, no wildcard, bound to the
    # controller's handler account.
    allowed = {(g, r, v) for rule in least_privilege.get("rules", [])
               for g in rule["apiGroups"] for r in rule["resources"] for v in rule["verbs"]}
    added = set()
    for role in by_kind(docs, "ClusterRole"):
        for rule in role.get("rules", []):
            for g in rule["apiGroups"]:
                for r in rule["resources"]:
                    for v in rule["verbs"]:
                        added.add((g, r, v))
    if added != {("", "secrets", "get")}:
        errors.append(f"container/install: the additive role grants {sorted(added)}; expected "
                      "exactly get secrets (what the install does not grant)")
    if not added <= allowed:
        errors.append(f"container/install grants {sorted(added - allowed)}, beyond rbac.yaml's "
                      "iter8-handlers role")
    subject = {"kind": "ServiceAccount", "name": "iter8-handlers", "namespace": "iter8-system"}
    if not all(subject in b.get("subjects", []) for b in by_kind(docs, "ClusterRoleBinding")):
        errors.append("container/install: a binding does not name iter8-system/iter8-handlers")

    back, problem = render(source_dir, "container/install/rollback")
    if problem:
        return errors + [problem]
    original = template_of(back, "container/install/rollback", errors)
    if original is not None:
        image = original["spec"]["template"]["spec"]["containers"][0].get("image", "")
        if not image.startswith("iter8/handler:"):
            errors.append(f"container/install/rollback: image {image!r} is not the Go handler's")
        if [d["kind"] for d in back] != ["ConfigMap"]:
            errors.append("container/install/rollback renders more than the ConfigMap")
    return errors


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: manifests_check.py SOURCE_DIR PROJECT_VERSION")
    problems = main(sys.argv[1], sys.argv[2])
    for p in problems:
        print(p)
    print(f"manifests: {len(problems)} problem(s)")
    sys.exit(1 if problems else 0)
