"""The kubelet's part of the image suite's stand-ins (tests/launch_handler.py for the Iter8
controller's Jobs, tests/job_controller.py for the shards' Indexed Job): a pod's first container
run with podman as the kubelet would run it, against bin/fake-apiserver on the host.

What is modelled (docs/fake-apiserver.md, "The image suite's stand-ins"):
- env: `value` (with $(VAR) expanded from the variables before it), and `valueFrom`:
  `fieldRef` (metadata.name, metadata.namespace, metadata.uid, metadata.labels['k'],
  metadata.annotations['k'], spec.serviceAccountName, spec.nodeName, status.podIP,
  status.hostIP), `resourceFieldRef` (ceil(quantity / divisor), as the kubelet computes it:
  an unset request is the limit when one is set (the API server's defaulting), else 0; an unset
  limit is this machine's capacity, standing in for the node's allocatable), `secretKeyRef`
  (read from the fake API server with the control plane's token; a missing Secret or key is
  retried as the kubelet retries a CreateContainerConfigError, then the pod fails; `optional`
  leaves the variable out). Other sources are refused with a one-line message.
- `secret` volumes: the keys as files of a host folder mounted read-only, with `defaultMode`
  and, with the pod's `fsGroup`, that group and group read (mount_secret_volumes).
- secret values never reach a command line: podman gets `--env=NAME` and the value through its
  own environment.
- command and args with $(VAR) expanded, the user and group (`fsGroup` as a supplementary
  group), read-only root, dropped capabilities, no privilege escalation, a tmpfs per emptyDir
  mount, the secret volumes, the service-account folder at the in-cluster path, the
  termination log, the host's network (the fake API server and the
  load target listen on 127.0.0.1). Resource limits are not applied (the sandbox's cgroups may
  refuse them).
"""
import base64
import json
import math
import os
import re
import ssl
import time
import urllib.error
import urllib.request
from fractions import Fraction

SA_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
NODE_NAME = "fake-node"


class PodError(Exception):
    """The pod cannot be started (the kubelet's CreateContainerConfigError and the like)."""


class Api:
    """The fake API server as the control plane reaches it: HTTPS, its CA, a bearer token."""

    def __init__(self, port, ca_file, token_file):
        self.base = f"https://127.0.0.1:{port}"
        self.context = ssl.create_default_context(cafile=ca_file)
        with open(token_file) as f:
            self.token = f.read().strip()

    def call(self, method, path, body=None, content_type="application/json"):
        """(HTTP status, parsed JSON body or None)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": content_type})
        try:
            with urllib.request.urlopen(request, context=self.context, timeout=10) as answer:
                return answer.status, json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as e:
            text = e.read()
            try:
                return e.code, json.loads(text)
            except ValueError:
                return e.code, None


_SUFFIXES = {"": 1, "n": Fraction(1, 10**9), "u": Fraction(1, 10**6), "m": Fraction(1, 1000),
             "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
             "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}


def parse_quantity(text):
    """A Kubernetes quantity ("100m", "64Mi", "1", "1e3") as an exact Fraction."""
    match = re.fullmatch(r"([+-]?[0-9]*\.?[0-9]+)(?:([eE][+-]?[0-9]+)|([a-zA-Z]*))", str(text))
    if not match or match.group(3) not in _SUFFIXES and match.group(3) is not None:
        raise PodError(f"resource quantity '{text}' is not valid; expected e.g. 100m, 64Mi, 1")
    value = Fraction(match.group(1))
    if match.group(2):
        return value * Fraction(10) ** int(match.group(2)[1:])
    return value * _SUFFIXES[match.group(3) or ""]


def node_capacity():
    """This machine's cores and memory, standing in for the node's allocatable."""
    memory = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1]) * 1024
    return {"cpu": Fraction(os.cpu_count() or 1), "memory": Fraction(memory)}


def resource_value(container, ref):
    """resourceFieldRef as the kubelet resolves it (containerResourceRuntimeValue)."""
    kind, _, resource = ref.get("resource", "").partition(".")
    if kind not in ("requests", "limits") or resource not in ("cpu", "memory"):
        raise PodError(f"resourceFieldRef resource '{ref.get('resource')}' is not modelled; "
                       "expected requests.cpu, requests.memory, limits.cpu or limits.memory")
    if ref.get("containerName") not in (None, container.get("name")):
        raise PodError("resourceFieldRef containerName: only the container itself is modelled")
    resources = container.get("resources") or {}
    limits, requests = resources.get("limits") or {}, resources.get("requests") or {}
    if kind == "limits":
        quantity = limits.get(resource)
        amount = parse_quantity(quantity) if quantity is not None else node_capacity()[resource]
    else:
        quantity = requests.get(resource, limits.get(resource))
        amount = parse_quantity(quantity) if quantity is not None else Fraction(0)
    divisor = parse_quantity(ref.get("divisor", "1") or "1")
    if divisor <= 0:
        raise PodError(f"resourceFieldRef divisor '{ref.get('divisor')}' must be positive")
    return str(math.ceil(amount / divisor))


def field_value(pod, path):
    """fieldRef as the kubelet resolves it (podFieldSelectorRuntimeValue)."""
    meta, spec = pod["metadata"], pod["spec"]
    keyed = re.fullmatch(r"metadata\.(labels|annotations)\['([^']+)'\]", path)
    if keyed:
        return (meta.get(keyed.group(1)) or {}).get(keyed.group(2), "")
    values = {
        "metadata.name": meta.get("name", ""),
        "metadata.namespace": meta.get("namespace", ""),
        "metadata.uid": meta.get("uid", ""),
        "spec.serviceAccountName": spec.get("serviceAccountName", "default"),
        "spec.nodeName": NODE_NAME,
        "status.podIP": "127.0.0.1",  # the host's network
        "status.hostIP": "127.0.0.1",
    }
    if path not in values:
        raise PodError(f"fieldRef fieldPath '{path}' is not modelled; expected one of "
                       f"{', '.join(sorted(values))}, metadata.labels['KEY'] or "
                       "metadata.annotations['KEY']")
    return values[path]


def read_secret(api, namespace, name, wait_seconds, optional=False, key=None):
    """The Secret's data, decoded ({key: bytes}); None when optional and absent. A Secret (or
    `key` of it) not there yet is retried every second, as the kubelet retries the container's
    creation or the volume's mount."""
    if api is None:
        raise PodError(f"secret {name}: no API server to read it from")
    deadline = time.monotonic() + wait_seconds
    while True:
        status, body = api.call("GET", f"/api/v1/namespaces/{namespace}/secrets/{name}")
        if status == 200:
            data = {k: base64.b64decode(v) for k, v in ((body or {}).get("data") or {}).items()}
            data.update({k: v.encode() for k, v in
                         ((body or {}).get("stringData") or {}).items()})
            if key is None or key in data:
                return data
            problem = f"couldn't find key {key} in Secret {namespace}/{name}"
        elif status == 404:
            problem = f"secret \"{name}\" not found"
        else:
            raise PodError(f"secret {name}: the API server answered {status}")
        if optional:
            return None
        if time.monotonic() >= deadline:
            raise PodError(f"CreateContainerConfigError: {problem} (retried for {wait_seconds} s)")
        time.sleep(1)


def secret_value(api, namespace, ref, wait_seconds):
    """secretKeyRef: the Secret's key, decoded; None when optional and absent."""
    name, key = ref.get("name", ""), ref.get("key", "")
    data = read_secret(api, namespace, name, wait_seconds, ref.get("optional"), key)
    return None if data is None else data[key].decode()


def mount_secret_volumes(pod, api, folder, wait_seconds=30):
    """{volume name: host folder} for the pod's `secret` volumes: each key a file of
    FOLDER/<volume>, mode `defaultMode` (0644 when unset), owned by root, as the kubelet writes
    them; with the pod's `fsGroup`, group-owned by it with group read added (the kubelet's
    SetVolumeOwnership for a read-only volume). `items` and per-item modes are not modelled."""
    mounted = {}
    fs_group = (pod["spec"].get("securityContext") or {}).get("fsGroup")
    for volume in pod["spec"].get("volumes") or []:
        source = volume.get("secret")
        if source is None:
            continue
        if "items" in source:
            raise PodError(f"volume {volume['name']}: secret items are not modelled")
        data = read_secret(api, pod["metadata"]["namespace"], source.get("secretName", ""),
                           wait_seconds, source.get("optional"))
        path = os.path.join(folder, volume["name"])
        os.makedirs(path, mode=0o755)
        for key, value in (data or {}).items():
            file = os.path.join(path, key)
            with open(file, "wb") as f:
                f.write(value)
            mode = source.get("defaultMode", 0o644)
            if fs_group is not None:
                os.chown(file, 0, fs_group)
                mode |= 0o440
            os.chmod(file, mode)
        mounted[volume["name"]] = path
    return mounted


def expand(text, env):
    """The kubelet's $(VAR) expansion in command, args and env values; $$ escapes."""
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                  lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)), text)


def resolve_env(pod, container, api=None, wait_seconds=30):
    """(env, secret names): the container's environment in order, and which of its variables
    came from a Secret (to be kept off command lines)."""
    env, secret = {}, set()
    for item in container.get("env") or []:
        name, source = item["name"], item.get("valueFrom")
        if source is None:
            env[name] = expand(item.get("value", ""), env)
        elif "fieldRef" in source:
            env[name] = field_value(pod, source["fieldRef"].get("fieldPath", ""))
        elif "resourceFieldRef" in source:
            env[name] = resource_value(container, source["resourceFieldRef"])
        elif "secretKeyRef" in source:
            value = secret_value(api, pod["metadata"]["namespace"], source["secretKeyRef"],
                                 wait_seconds)
            if value is not None:
                env[name] = value
                secret.add(name)
        else:
            raise PodError(f"env {name}: valueFrom {', '.join(source)} is not modelled; "
                           "expected fieldRef, resourceFieldRef or secretKeyRef")
    return env, secret


def podman_args(pod, env, secret, sa_dir, termination_log, port, image=None, name=None,
                mounted=None):
    """The `podman run` arguments (after `run`) for the pod's first container. Variables in
    `secret` are passed by name only: the caller puts their values in podman's environment.
    `mounted`: the host folders of its secret volumes (mount_secret_volumes)."""
    spec = pod["spec"]
    container = spec["containers"][0]
    env = dict(env, KUBERNETES_SERVICE_HOST="127.0.0.1", KUBERNETES_SERVICE_PORT=str(port))
    pod_sc = spec.get("securityContext") or {}
    sc = container.get("securityContext") or {}
    args = ["--network=host", f"--name={name or pod['metadata']['name']}"]
    for key, value in (pod["metadata"].get("labels") or {}).items():
        args.append(f"--label={key}={value}")
    uid = sc.get("runAsUser", pod_sc.get("runAsUser"))
    gid = sc.get("runAsGroup", pod_sc.get("runAsGroup"))
    if uid is not None:
        args.append(f"--user={uid}" + (f":{gid}" if gid is not None else ""))
    if pod_sc.get("fsGroup") is not None:
        args.append(f"--group-add={pod_sc['fsGroup']}")
    if sc.get("readOnlyRootFilesystem"):
        args += ["--read-only", "--read-only-tmpfs=false"]
    if "ALL" in (sc.get("capabilities") or {}).get("drop", []):
        args.append("--cap-drop=ALL")
    if sc.get("allowPrivilegeEscalation") is False:
        args.append("--security-opt=no-new-privileges")
    empty_dirs = {v["name"] for v in spec.get("volumes") or [] if "emptyDir" in v}
    for mount in container.get("volumeMounts") or []:
        if mount["name"] in (mounted or {}):
            args.append(f"--volume={mounted[mount['name']]}:{mount['mountPath']}:ro")
        elif mount["name"] in empty_dirs:
            args.append(f"--tmpfs={mount['mountPath']}:rw,exec,mode=1777")
        else:
            raise PodError(f"volume {mount['name']}: only emptyDir and secret volumes are run "
                           "here")
    args.append(f"--volume={sa_dir}:{SA_PATH}:ro")
    args.append(f"--volume={termination_log}:/dev/termination-log")
    for key, value in env.items():
        args.append(f"--env={key}" if key in secret else f"--env={key}={value}")
    command = [expand(c, env) for c in container.get("command") or []]
    if command:
        args.append("--entrypoint=" + json.dumps(command))
    args.append(image or container["image"])
    args += [expand(a, env) for a in container.get("args") or []]
    return args


def secret_environment(env, secret):
    """The environment podman runs with: its own plus the Secret-sourced values."""
    return dict(os.environ, **{key: env[key] for key in secret})
