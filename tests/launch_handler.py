"""A stand-in for the Iter8 controller's LaunchHandler and for the kubelet, for the image
suite's controller-shaped test (scripts/test-image.sh).

    python3 tests/launch_handler.py job RENDERED NAMESPACE/NAME ACTION [LOOP] > job.json
    python3 tests/launch_handler.py run job.json SA_DIR TERMINATION_LOG API_PORT IMAGE \
        CONTROL_PLANE_TOKEN -- podman [ENGINE OPTIONS] run [RUN OPTIONS]

`job`: RENDERED is `kubectl kustomize container/install`'s output. Takes the Job template from
ConfigMap iter8-handlers (key handler.yaml) and makes the Job as etc3 does it
(iter8-tools/etc3 controllers/handler.go at 108478b, LaunchHandler and jobName; the issue
calls the file handlers.go): name `<experiment namespace>-<experiment name>-<action>`, with
`-<loop>` for loop actions, namespace the controller's (the ConfigMap's), pod labels
iter8/experimentName and iter8/experimentNamespace added, serviceAccountName iter8-handlers,
and EXPERIMENT_NAME, EXPERIMENT_NAMESPACE and ACTION set (replaced in place, else appended) in
the env of the first container. A template etc3 could not use (not a Job, no container) is
refused with a one-line message and exit 1.

`run`: runs the Job's pod's first container as the kubelet would (tests/kubelet.py: the env
with `valueFrom` resolved, Secrets read from the fake API server with the control plane's token
in the file CONTROL_PLANE_TOKEN, the service-account folder SA_DIR at the in-cluster path, the
termination log, the host's network) with the engine command given after `--`, and exits with
the container's status (1 when the pod cannot be started, with a one-line reason). IMAGE, when
not empty, is run in place of the template's image (a locally built tag standing in for the
registry's). The container is named after the Job.

The Job controller's part for the Jobs the handler itself creates (the shards' Indexed Job):
tests/job_controller.py.
"""
import copy
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import uuid

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kubelet  # noqa: E402 (beside this file)

COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"


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


def pod_of(job, index=None):
    """The pod the Job controller makes of the Job's template: name `<job>-[<index>-]<5
    random>`, the Job's namespace, labels job-name and controller-uid added; for an Indexed
    Job's pod (`index` given) the completion index as label and annotation, and in every
    container JOB_COMPLETION_INDEX from that annotation through the downward API, as the real
    controller injects it."""
    template = copy.deepcopy(job["spec"]["template"])
    meta = template.setdefault("metadata", {}) or {}
    labels = dict(meta.get("labels") or {})
    annotations = dict(meta.get("annotations") or {})
    uid = job["metadata"].get("uid") or str(uuid.uuid4())
    labels.update({"job-name": job["metadata"]["name"], "controller-uid": uid})
    suffix = "".join(random.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))
    name = job["metadata"]["name"] + (f"-{index}" if index is not None else "") + f"-{suffix}"
    if index is not None:
        labels[COMPLETION_INDEX] = str(index)
        annotations[COMPLETION_INDEX] = str(index)
        for container in template["spec"]["containers"]:
            container["env"] = (container.get("env") or []) + [{
                "name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {
                    "fieldPath": f"metadata.annotations['{COMPLETION_INDEX}']"}}}]
    return {"metadata": {"name": name, "namespace": job["metadata"].get("namespace", "default"),
                         "uid": str(uuid.uuid4()), "labels": labels, "annotations": annotations},
            "spec": template["spec"]}


def run_pod(pod, sa_dir, termination_log, port, image, api, engine, container_name=None,
            wait_seconds=30):
    """Runs the pod's first container with `engine` (the engine's command up to and including
    `run` and its options) and returns its exit status; 1 with a line on stderr when the pod
    cannot be started. Secret-sourced variables reach podman through its environment only."""
    volumes = tempfile.mkdtemp(prefix="pod-volumes-")
    try:
        try:
            container = pod["spec"]["containers"][0]
            env, secret = kubelet.resolve_env(pod, container, api, wait_seconds)
            mounted = kubelet.mount_secret_volumes(pod, api, volumes, wait_seconds)
            args = kubelet.podman_args(pod, env, secret, sa_dir, termination_log, port, image,
                                       container_name, mounted)
        except kubelet.PodError as e:
            print(f"launch_handler: pod {pod['metadata']['name']}: {e}", file=sys.stderr,
                  flush=True)
            return 1
        return subprocess.call(engine + args, env=kubelet.secret_environment(env, secret))
    finally:
        shutil.rmtree(volumes, ignore_errors=True)


def main(argv):
    if len(argv) >= 4 and argv[0] == "job":
        loop = int(argv[4]) if len(argv) > 4 else None
        json.dump(make_job(argv[1], argv[2], argv[3], loop), sys.stdout, indent=1)
        print()
    elif len(argv) >= 9 and argv[0] == "run" and argv[7] == "--":
        job_path, sa_dir, termination_log, port, image, token_file = argv[1:7]
        with open(job_path) as f:
            job = json.load(f)
        api = kubelet.Api(port, os.path.join(sa_dir, "ca.crt"), token_file)
        # The container is named after the Job, as `kubectl logs job/NAME` finds its pod.
        sys.exit(run_pod(pod_of(job), sa_dir, termination_log, port, image or None, api,
                         argv[8:], container_name=job["metadata"]["name"]))
    else:
        fail("usage: launch_handler.py job RENDERED NS/NAME ACTION [LOOP] | "
             "run JOB SA_DIR TERMINATION_LOG PORT IMAGE CONTROL_PLANE_TOKEN -- ENGINE RUN...")


if __name__ == "__main__":
    main(sys.argv[1:])
