"""A stand-in for Kubernetes' Job controller, for the Jobs the handler creates itself (the
shards' Indexed Job of a sharded metrics/collect, docs/scale.md), in the image suite
(scripts/test-image-controller.sh). Runs beside bin/fake-apiserver until SIGTERM:

    python3 tests/job_controller.py --sa-dir DIR --control-plane-token FILE --namespace NS \\
        --service-account NS/NAME --image IMAGE --logs DIR [--jobs DIR] [--run-opts "OPTS"] \\
        -- ENGINE...

Every 0.25 s it lists the Jobs of NS over HTTPS (with the control plane's token: not the
handler's account, so no RBAC applies and the fake's permissions.txt stays the handler's). For
each new Job without a final condition it runs the pods as the Job controller and the kubelet
would: `completions` pods (default 1), at most `parallelism` at a time, each from the Job's pod
template with labels job-name and controller-uid; in Indexed mode also the completion index as
label and annotation and JOB_COMPLETION_INDEX from that annotation through the downward API,
as the real controller injects it. The kubelet's part (tests/kubelet.py) resolves the env,
mounts DIR (token, ca.crt, namespace) at the in-cluster path and runs IMAGE (the locally built
tag standing in for the template's) with ENGINE (e.g. `podman --runtime runc`) and RUN-OPTS,
the host's network. A pod whose serviceAccountName is not the fake's one account fails: its
token would be refused.

When every pod has ended it merge-patches the Job's status subresource: `Complete`
(succeeded, completedIndexes) when all exited 0, else `Failed` (reason BackoffLimitExceeded; no
pod is retried, whatever backoffLimit says: the shards' Job asks for 0). A Job deleted while its
pods run has them stopped (SIGTERM, 5 s grace), as a foreground deletion does.

Pod output goes to LOGS/<pod>.log; one line per event to LOGS/job-controller.txt:
`pod JOB INDEX POD exit STATUS`, `job JOB Complete|Failed|deleted` (`stopped` on SIGTERM). With `--jobs DIR`, each Job
as it was first seen goes to DIR/<job>.json (owner-only: its env may hold what a log must not).
"""
import argparse
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kubelet  # noqa: E402 (beside this file)
import launch_handler  # noqa: E402

stopping = threading.Event()
record_lock = threading.Lock()


def record(logs, line):
    with record_lock, open(os.path.join(logs, "job-controller.txt"), "a") as f:
        f.write(line + "\n")
        print(f"job-controller: {line}", flush=True)


def finished(job):
    for condition in (job.get("status") or {}).get("conditions") or []:
        if condition.get("type") in ("Complete", "Failed") and condition.get("status") == "True":
            return True
    return False


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class JobRun:
    def __init__(self, job, options, api, engine, port):
        self.job, self.options, self.api, self.engine, self.port = job, options, api, engine, port
        self.ns, self.name = job["metadata"]["namespace"], job["metadata"]["name"]
        self.running = {}  # container name -> index
        self.lock = threading.Lock()
        self.gone = threading.Event()

    def path(self):
        return f"/apis/batch/v1/namespaces/{self.ns}/jobs/{self.name}"

    def run_index(self, index, exits):
        spec = self.job["spec"]
        indexed = spec.get("completionMode") == "Indexed"
        pod = launch_handler.pod_of(self.job, index if indexed else None)
        container = pod["spec"]["containers"][0]
        pod_name = pod["metadata"]["name"]
        account = f"{self.ns}/{pod['spec'].get('serviceAccountName', 'default')}"
        log_path = os.path.join(self.options.logs, f"{pod_name}.log")
        with open(log_path, "w") as log:
            if account != self.options.service_account:
                log.write(f"job-controller: pod {pod_name}: service account {account} has no "
                          f"token in the fake (its one account is "
                          f"{self.options.service_account})\n")
                status = 1
            elif self.gone.is_set() or stopping.is_set():
                status = 137
            else:
                termination = os.path.join(self.options.logs, f"{pod_name}.termination-log")
                open(termination, "w").close()
                os.chmod(termination, 0o666)
                with self.lock:
                    self.running[pod_name] = index
                env = dict(os.environ)
                volumes = tempfile.mkdtemp(prefix=f"{pod_name}-volumes-")
                try:
                    container_env, secret = kubelet.resolve_env(pod, container, self.api)
                    mounted = kubelet.mount_secret_volumes(pod, self.api, volumes)
                    args = kubelet.podman_args(pod, container_env, secret, self.options.sa_dir,
                                               termination, self.port, self.options.image,
                                               mounted=mounted)
                    env = kubelet.secret_environment(container_env, secret)
                except kubelet.PodError as e:
                    log.write(f"job-controller: pod {pod_name}: {e}\n")
                    args = None
                log.flush()
                try:
                    status = 1 if args is None else subprocess.call(
                        self.engine + ["run", "--rm"] + shlex.split(self.options.run_opts) + args,
                        stdout=log, stderr=subprocess.STDOUT, env=env)
                finally:
                    shutil.rmtree(volumes, ignore_errors=True)
                with self.lock:
                    self.running.pop(pod_name, None)
        exits[index] = status
        record(self.options.logs, f"pod {self.name} {index} {pod_name} exit {status}")

    def watch_deletion(self, done):
        """Foreground deletion: the Job's pods are stopped before the Job goes."""
        while not done.is_set():
            status, _ = self.api.call("GET", self.path())
            if status == 404 or stopping.is_set():
                self.gone.set()
                with self.lock:
                    names = list(self.running)
                for name in names:
                    subprocess.call(self.engine + ["stop", "-t", "5", name],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                if status == 404:
                    return
            done.wait(0.5)

    def run(self):
        spec = self.job["spec"]
        completions = int(spec.get("completions") or 1)
        parallelism = max(1, int(spec.get("parallelism") or 1))
        exits = {}
        done = threading.Event()
        watcher = threading.Thread(target=self.watch_deletion, args=(done,), daemon=True)
        watcher.start()
        pending = list(range(completions))
        active = []
        while pending or active:
            active = [t for t in active if t.is_alive()]
            while pending and len(active) < parallelism:
                thread = threading.Thread(target=self.run_index, args=(pending.pop(0), exits))
                thread.start()
                active.append(thread)
            time.sleep(0.1)
        done.set()
        watcher.join()
        if self.gone.is_set():
            record(self.options.logs,
                   f"job {self.name} {'stopped' if stopping.is_set() else 'deleted'}")
            return
        failed = sorted(i for i, status in exits.items() if status != 0)
        succeeded = completions - len(failed)
        condition = {"type": "Failed" if failed else "Complete", "status": "True",
                     "lastProbeTime": now(), "lastTransitionTime": now()}
        status = {"succeeded": succeeded, "failed": len(failed), "conditions": [condition]}
        if failed:
            condition.update(reason="BackoffLimitExceeded",
                             message="Job has reached the specified backoff limit")
        else:
            status["completionTime"] = now()
        if spec.get("completionMode") == "Indexed":
            done_indexes = [i for i in range(completions) if exits.get(i) == 0]
            status["completedIndexes"] = ",".join(str(i) for i in done_indexes)
        code, _ = self.api.call("PATCH", self.path() + "/status", {"status": status},
                                "application/merge-patch+json")
        outcome = condition["type"] if code == 200 else (
            "deleted" if code == 404 else f"status not set: {code}")
        record(self.options.logs, f"job {self.name} {outcome}")


def main():
    parser = argparse.ArgumentParser(description="A stand-in for Kubernetes' Job controller.")
    parser.add_argument("--sa-dir", required=True)
    parser.add_argument("--control-plane-token", required=True)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--service-account", required=True)
    parser.add_argument("--image", required=True)
    parser.add_argument("--logs", required=True)
    parser.add_argument("--jobs")
    parser.add_argument("--run-opts", default="")
    parser.add_argument("engine", nargs="+")
    options = parser.parse_args()
    with open(os.path.join(options.sa_dir, "port")) as f:
        port = f.read().strip()
    api = kubelet.Api(port, os.path.join(options.sa_dir, "ca.crt"), options.control_plane_token)
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    seen, runs = set(), []
    while not stopping.is_set():
        status, body = api.call("GET", f"/apis/batch/v1/namespaces/{options.namespace}/jobs")
        if status != 200:
            print(f"job-controller: listing Jobs: {status} {json.dumps(body)}", file=sys.stderr,
                  flush=True)
        for job in (body or {}).get("items") or [] if status == 200 else []:
            uid = job["metadata"].get("uid") or job["metadata"]["name"]
            if uid in seen or finished(job) or "template" not in job.get("spec", {}):
                continue
            seen.add(uid)
            if options.jobs:
                path = os.path.join(options.jobs, job["metadata"]["name"] + ".json")
                with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
                    json.dump(job, f, indent=1)
            run = threading.Thread(target=JobRun(job, options, api, options.engine, port).run)
            run.start()
            runs.append(run)
        stopping.wait(0.25)
    for run in runs:
        run.join()


if __name__ == "__main__":
    main()
