"""A stand-in for the Iter8 controller's LaunchHandler and for the kubelet, for the image
suite's controller-shaped test (scripts/test-image.sh).

    python3 tests/launch_handler.py job RENDERED NAMESPACE/NAME ACTION [LOOP] > job.json
    python3 tests/launch_handler.py podman-args job.json SA_DIR TERMINATION_LOG API_PORT [IMAGE]

`job`: RENDERED is `kubectl kustomize container/install`'s output. Takes the Job template from
ConfigMap iter8-handlers (key handler.yaml) and makes the Job as etc3 does it
(iter8-tools/etc3 controllers/handler.go at 108478b, LaunchHandler and jobName; the issue
calls the file handlers.go): name `<experiment namespace>-<experiment name>-<action>`, with
`-<loop>` for loop actions, namespace the controller's (the ConfigMap's), pod labels
iter8/experimentName and iter8/experimentNamespace added, serviceAccountName iter8-handlers,
and EXPERIMENT_NAME, EXPERIMENT_NAMESPACE and ACTION set (replaced in place, else appended) in
the env of the first container. A template etc3 could not use (not a Job, no container) is
refused with a one-line message and exit 1.

`podman-args`: the `podman run` arguments, one per line, that run the Job's pod's first
container as the kubelet would: its image, command as the entrypoint and args with $(VAR)
expanded from its env, its env plus KUBERNETES_SERVICE_HOST/PORT, the pod's and container's
user and group, read-only root, dropped capabilities, no privilege escalation, a tmpfs for
each emptyDir mount, the service-account folder (token, ca.crt, namespace) at
/var/run/secrets/kubernetes.io/serviceaccount and the termination log at
/dev/termination-log. The host's network, where the fake API server listens on 127.0.0.1.
Resource limits are not applied (the sandbox's cgroups may refuse them). IMAGE, when given,
is run in place of the template's image (a locally built tag standing in for the registry's).
"""
import json
import re
import sys

import yaml

SA_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"


def fail(message):
    print(f"launch_handler: {message}", file=sys.stderr)
    sys.exit(1)


def set_env(env, name, value):
    """etc3's setEnvVariable: replace the value in place, else append."""
    for item in env:
        if item.get("name") == name:
            item["value"] = value
            return env
    env.append({"name": name, "value": value})
    return env


def make_job(rendered_path, experiment, action, loop):
    with open(rendered_path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    maps = [d for d in docs if d.get("kind") == "ConfigMap"
            and d["metadata"]["name"] == "iter8-handlers"]
    if len(maps) != 1 or "handler.yaml" not in maps[0].get("data", {}):
        fail(f"{rendered_path}: no ConfigMap iter8-handlers with key handler.yaml")
    job = yaml.safe_load(maps[0]["data"]["handler.yaml"])
    if not isinstance(job, dict) or job.get("kind") != "Job":
        fail("handler.yaml: not a Job")
    containers = job.get("spec", {}).get("template", {}).get("spec", {}).get("containers")
    if not containers:
        fail("handler.yaml: spec.template.spec.containers is empty; etc3 sets the env of the first")
    ns, name = experiment.split("/", 1)
    job_name = f"{ns}-{name}-{action}" + (f"-{loop}" if loop is not None else "")
    job.setdefault("metadata", {})
    job["metadata"]["name"] = job_name
    job["metadata"]["namespace"] = maps[0]["metadata"]["namespace"]
    template = job["spec"]["template"]
    labels = template.setdefault("metadata", {}).setdefault("labels", {}) or {}
    labels["iter8/experimentName"] = name
    labels["iter8/experimentNamespace"] = ns
    template["metadata"]["labels"] = labels
    template["spec"]["serviceAccountName"] = "iter8-handlers"
    first = containers[0]
    env = first.get("env") or []
    env = set_env(env, "EXPERIMENT_NAME", name)
    env = set_env(env, "EXPERIMENT_NAMESPACE", ns)
    first["env"] = set_env(env, "ACTION", action)
    return job


def expand(text, env):
    """The kubelet's $(VAR) expansion in command and args; $$ escapes."""
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                  lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)), text)


def podman_args(job_path, sa_dir, termination_log, port, image=None):
    with open(job_path) as f:
        job = json.load(f)
    pod = job["spec"]["template"]["spec"]
    container = pod["containers"][0]
    env = {e["name"]: e.get("value", "") for e in container.get("env", [])}
    env["KUBERNETES_SERVICE_HOST"] = "127.0.0.1"
    env["KUBERNETES_SERVICE_PORT"] = str(port)
    pod_sc = pod.get("securityContext", {})
    sc = container.get("securityContext", {})
    args = ["--network=host", f"--name={job['metadata']['name']}",
            f"--label=job-name={job['metadata']['name']}"]
    for key, value in job["spec"]["template"]["metadata"].get("labels", {}).items():
        args.append(f"--label={key}={value}")
    uid = sc.get("runAsUser", pod_sc.get("runAsUser"))
    gid = sc.get("runAsGroup", pod_sc.get("runAsGroup"))
    if uid is not None:
        args.append(f"--user={uid}" + (f":{gid}" if gid is not None else ""))
    if sc.get("readOnlyRootFilesystem"):
        args += ["--read-only", "--read-only-tmpfs=false"]
    if "ALL" in sc.get("capabilities", {}).get("drop", []):
        args.append("--cap-drop=ALL")
    if sc.get("allowPrivilegeEscalation") is False:
        args.append("--security-opt=no-new-privileges")
    empty_dirs = {v["name"] for v in pod.get("volumes", []) if "emptyDir" in v}
    for mount in container.get("volumeMounts", []):
        if mount["name"] not in empty_dirs:
            fail(f"volume {mount['name']}: only emptyDir volumes are run here")
        args.append(f"--tmpfs={mount['mountPath']}:rw,exec,mode=1777")
    args.append(f"--volume={sa_dir}:{SA_PATH}:ro")
    args.append(f"--volume={termination_log}:/dev/termination-log")
    for name, value in env.items():
        args.append(f"--env={name}={value}")
    command = [expand(c, env) for c in container.get("command", [])]
    if command:
        args.append("--entrypoint=" + json.dumps(command))
    args.append(image or container["image"])
    args += [expand(a, env) for a in container.get("args", [])]
    return args


def main(argv):
    if len(argv) >= 4 and argv[0] == "job":
        loop = int(argv[4]) if len(argv) > 4 else None
        json.dump(make_job(argv[1], argv[2], argv[3], loop), sys.stdout, indent=1)
        print()
    elif len(argv) in (5, 6) and argv[0] == "podman-args":
        print("\n".join(podman_args(*argv[1:])))
    else:
        fail("usage: launch_handler.py job RENDERED NS/NAME ACTION [LOOP] | "
             "podman-args JOB SA_DIR TERMINATION_LOG PORT [IMAGE]")


if __name__ == "__main__":
    main(sys.argv[1:])
