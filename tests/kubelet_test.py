"""tests/kubelet.py, the image suite's stand-in kubelet, against bin/fake-apiserver: the env it
gives a pod (fieldRef, resourceFieldRef with divisors, secretKeyRef read with the control plane's
token and kept off the command line), its secret volumes, and the one-line errors of what it
cannot do.

    python3 tests/kubelet_test.py FAKE_APISERVER_BINARY
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kubelet  # noqa: E402
import launch_handler  # noqa: E402

FAKE = None
TASK = '{"task":"metrics/collect","with":{"headers":"s3cr3t"}}'


def env_of(*items):
    return [dict(name=name, **source) for name, source in items]


class Kubelet(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="kubelet_test.")
        cls.sa = os.path.join(cls.dir, "sa")
        os.mkdir(cls.sa)
        cls.token = os.path.join(cls.dir, "control-plane-token")
        cls.fake = subprocess.Popen(
            [FAKE, "--dir", cls.sa, "--control-plane-token", cls.token,
             "--rbac", os.path.join(os.path.dirname(__file__), "..", "container", "rbac.yaml"),
             "--secret", f"iter8-system/load-task/task.json={TASK}"],
            stderr=subprocess.DEVNULL)
        for _ in range(100):
            if os.path.exists(os.path.join(cls.sa, "port")):
                break
            time.sleep(0.1)
        with open(os.path.join(cls.sa, "port")) as f:
            cls.port = f.read().strip()
        cls.api = kubelet.Api(cls.port, os.path.join(cls.sa, "ca.crt"), cls.token)

    @classmethod
    def tearDownClass(cls):
        cls.fake.send_signal(signal.SIGTERM)
        cls.fake.wait(10)
        shutil.rmtree(cls.dir)

    def pod(self, env, resources=None):
        job = {"metadata": {"name": "load", "namespace": "iter8-system", "uid": "u-1"},
               "spec": {"completionMode": "Indexed", "template": {
                   "metadata": {"labels": {"app": "load"}},
                   "spec": {"serviceAccountName": "iter8-handlers", "containers": [{
                       "name": "shard", "image": "iter8-handler:0.1.0", "env": env,
                       "resources": resources or {}}]}}}}
        return launch_handler.pod_of(job, 1)

    def resolve(self, pod, wait_seconds=30):
        return kubelet.resolve_env(pod, pod["spec"]["containers"][0], self.api, wait_seconds)

    def test_field_refs_are_the_pods(self):
        def field(path):
            return {"valueFrom": {"fieldRef": {"fieldPath": path}}}
        pod = self.pod(env_of(
            ("NS", field("metadata.namespace")), ("POD", field("metadata.name")),
            ("SA", field("spec.serviceAccountName")), ("IP", field("status.podIP")),
            ("INDEX", field(f"metadata.annotations['{launch_handler.COMPLETION_INDEX}']")),
            ("JOB", field("metadata.labels['job-name']")), ("WHERE", {"value": "$(NS)/$(SA)"})))
        # The Job controller's own variable for an Indexed Job's pod comes last.
        self.assertEqual(pod["spec"]["containers"][0]["env"][-1]["name"], "JOB_COMPLETION_INDEX")
        env, secret = self.resolve(pod)
        self.assertEqual(env["NS"], "iter8-system")
        self.assertRegex(env["POD"], r"^load-1-[a-z0-9]{5}$")
        self.assertEqual((env["SA"], env["IP"], env["INDEX"], env["JOB"]),
                         ("iter8-handlers", "127.0.0.1", "1", "load"))
        self.assertEqual(env["WHERE"], "iter8-system/iter8-handlers")
        self.assertEqual(env["JOB_COMPLETION_INDEX"], "1")
        self.assertEqual(secret, set())

    def test_resource_field_refs_divide_and_round_up(self):
        def resource(name, divisor=None):
            ref = {"resource": name}
            if divisor is not None:
                ref["divisor"] = divisor
            return {"valueFrom": {"resourceFieldRef": ref}}
        pod = self.pod(env_of(
            ("CPU_M", resource("requests.cpu", "1m")), ("CPU", resource("requests.cpu")),
            ("MEM", resource("requests.memory", "1")),
            ("MEM_LIMIT_MI", resource("limits.memory", "1Mi")),
            ("CPU_LIMIT_M", resource("limits.cpu", "1m"))),
            {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}})
        env, _ = self.resolve(pod)
        self.assertEqual((env["CPU_M"], env["CPU"]), ("100", "1"), "0.1 core rounds up to 1")
        self.assertEqual((env["MEM"], env["MEM_LIMIT_MI"]), ("67108864", "256"))
        self.assertEqual(env["CPU_LIMIT_M"], str((os.cpu_count() or 1) * 1000),
                         "no CPU limit: the node's capacity")
        only_limit = self.pod(env_of(("MEM", resource("requests.memory", "1Ki"))),
                              {"limits": {"memory": "1G"}})
        self.assertEqual(self.resolve(only_limit)[0]["MEM"], "976563", "the request is the limit")
        nothing = self.pod(env_of(("CPU", resource("requests.cpu", "1m"))))
        self.assertEqual(self.resolve(nothing)[0]["CPU"], "0")

    def test_a_secret_key_ref_is_read_and_kept_off_the_command_line(self):
        pod = self.pod(env_of(("ITER8_SHARD_TASK", {"valueFrom": {"secretKeyRef": {
            "name": "load-task", "key": "task.json"}}}), ("PLAIN", {"value": "shown"})))
        env, secret = self.resolve(pod)
        self.assertEqual(env["ITER8_SHARD_TASK"], TASK)
        self.assertEqual(secret, {"ITER8_SHARD_TASK"})
        args = kubelet.podman_args(pod, env, secret, self.sa, "/dev/null", self.port)
        self.assertIn("--env=ITER8_SHARD_TASK", args)
        self.assertIn("--env=PLAIN=shown", args)
        self.assertFalse([a for a in args if "s3cr3t" in a], "the secret on the command line")
        self.assertEqual(kubelet.secret_environment(env, secret)["ITER8_SHARD_TASK"], TASK)

    def test_a_secret_volume_is_the_secrets_keys_with_the_mode_and_group_asked(self):
        pod = self.pod([])
        pod["spec"]["securityContext"] = {"runAsUser": 65532, "fsGroup": 65532}
        pod["spec"]["volumes"] = [{"name": "task", "secret": {"secretName": "load-task",
                                                             "defaultMode": 0o400}},
                                  {"name": "tmp", "emptyDir": {}}]
        pod["spec"]["containers"][0]["volumeMounts"] = [
            {"name": "task", "mountPath": "/var/run/iter8/shard", "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"}]
        folder = tempfile.mkdtemp(dir=self.dir)
        mounted = kubelet.mount_secret_volumes(pod, self.api, folder)
        task = os.path.join(mounted["task"], "task.json")
        with open(task) as f:
            self.assertEqual(f.read(), TASK)
        info = os.stat(task)
        self.assertEqual((info.st_uid, info.st_gid), (0, 65532), "root's, the fsGroup's")
        self.assertEqual(info.st_mode & 0o777, 0o440, "0400 plus group read for the fsGroup")
        args = kubelet.podman_args(pod, {}, set(), self.sa, "/dev/null", self.port,
                                   mounted=mounted)
        self.assertIn(f"--volume={mounted['task']}:/var/run/iter8/shard:ro", args)
        self.assertIn("--tmpfs=/tmp:rw,exec,mode=1777", args)
        self.assertIn("--group-add=65532", args)
        del pod["spec"]["securityContext"]["fsGroup"]
        again = kubelet.mount_secret_volumes(pod, self.api, tempfile.mkdtemp(dir=self.dir))
        self.assertEqual(os.stat(os.path.join(again["task"], "task.json")).st_mode & 0o777,
                         0o400, "without fsGroup only root may read it")

    def test_an_absent_secret_is_retried_then_fails_the_pod(self):
        pod = self.pod(env_of(("TASK", {"valueFrom": {"secretKeyRef": {
            "name": "absent", "key": "task.json"}}})))
        start = time.monotonic()
        with self.assertRaises(kubelet.PodError) as raised:
            self.resolve(pod, wait_seconds=2)
        self.assertGreaterEqual(time.monotonic() - start, 2)
        self.assertEqual(str(raised.exception), 'CreateContainerConfigError: secret "absent" not '
                         "found (retried for 2 s)")
        wrong_key = self.pod(env_of(("TASK", {"valueFrom": {"secretKeyRef": {
            "name": "load-task", "key": "nope"}}})))
        with self.assertRaisesRegex(kubelet.PodError, "couldn't find key nope in Secret "
                                    "iter8-system/load-task"):
            self.resolve(wrong_key, wait_seconds=0)
        optional = self.pod(env_of(("TASK", {"valueFrom": {"secretKeyRef": {
            "name": "absent", "key": "k", "optional": True}}})))
        self.assertNotIn("TASK", self.resolve(optional)[0])

    def test_what_is_not_modelled_is_refused_in_one_line(self):
        cases = [({"fieldRef": {"fieldPath": "spec.hostname"}},
                  "fieldRef fieldPath 'spec.hostname' is not modelled; expected one of"),
                 ({"resourceFieldRef": {"resource": "limits.ephemeral-storage"}},
                  "expected requests.cpu, requests.memory, limits.cpu or limits.memory"),
                 ({"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Xi"}},
                  "resource quantity '1Xi' is not valid"),
                 ({"configMapKeyRef": {"name": "m", "key": "k"}},
                  "valueFrom configMapKeyRef is not modelled")]
        for source, message in cases:
            with self.assertRaisesRegex(kubelet.PodError, message):
                self.resolve(self.pod(env_of(("X", {"valueFrom": source}))))


if __name__ == "__main__":
    FAKE = sys.argv.pop(1)
    unittest.main()
