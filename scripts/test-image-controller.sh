# Sourced by scripts/test-image.sh: the image run as an installed Iter8 controller runs it after
# `kubectl apply -k container/install` (container/README.md, "Switch an existing Iter8 install").
#
# - container/README.md's kubectl commands for switching, checking and rolling back run as
#   written, against a recording `kubectl` shell function (no cluster here): it keeps the
#   ConfigMap's handler.yaml, renders `apply -k` with the real kubectl's kustomize, records
#   patches, and answers `get jobs` and `logs job/...` from the Jobs run below.
# - tests/launch_handler.py (the controller's LaunchHandler, etc3 controllers/handler.go) makes
#   each action's Job from the rendered ConfigMap; its first container runs with podman as the
#   kubelet would run it (tests/kubelet.py: valueFrom resolved, Secrets read with the control
#   plane's token), against bin/fake-apiserver on the host, which prunes by the CRD
#   (when ../shared/reference has it) and authorizes by the install's RBAC for the handlers'
#   account (tests/install/iter8-v0.7-handler-rbac.yaml) plus container/install/rbac.yaml.
# - start, two loops (metrics/collect against a loopback server) and finish of a canary, then
#   a failing rollback; checked: the status in the fake (both versions' histograms merged over
#   two runs), the failing action's termination message, no request refused or pruned.
# - check_controller_sharded: another experiment's loop with metrics/collect shards: 2; the
#   handler creates the shards' Indexed Job in the fake and tests/job_controller.py plays the
#   Job controller (the pods with JOB_COMPLETION_INDEX, then the Job's status).
#
# Uses from test-image.sh: $work, $tag, $version, ENGINE, ENGINE_LIMITS, server_pid.

controller_fake_pid=
controller_jobs_pid= # tests/job_controller.py while check_controller_sharded runs

# The fake API server binary, built from this tree (cheap when ./build is current).
controller_fake_binary() {
  local build=build
  if [[ ! -f build/CMakeCache.txt ]]; then
    build="$work/host-build"
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || return 1
  fi
  cmake --build "$build" -j"${JOBS:-2}" --target fake-apiserver >/dev/null || return 1
  echo "$build/bin/fake-apiserver"
}

# The recording kubectl the README's commands run against (as `kubectl` in run_readme only). State: $work/cm-handler.yaml (the
# ConfigMap's handler.yaml, at first the Go handler's template, as an install has it).
readme_kubectl() {
  local real
  real=$(type -P kubectl)
  case "$*" in
    "-n iter8-system get configmap iter8-handlers -o jsonpath={.data.handler\.yaml}")
      cat "$work/cm-handler.yaml" ;;
    "apply -k "*)
      "$real" kustomize "$3" >"$work/applied-k.yaml" || return 1
      python3 -c 'import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if d and d["kind"] == "ConfigMap": sys.stdout.write(d["data"]["handler.yaml"])' \
        "$work/applied-k.yaml" >"$work/cm-handler.yaml" ;;
    "-n iter8-system patch configmap iter8-handlers --type merge -p "*)
      printf '%s' "$9" >"$work/patch.json"
      python3 -c 'import json, sys; sys.stdout.write(json.load(open(sys.argv[1]))["data"]["handler.yaml"])' \
        "$work/patch.json" >"$work/cm-handler.yaml" ;;
    "apply -f "*) cat "$3" >>"$work/applied-f.yaml" ;;
    "create configmap "*) KUBECONFIG=/dev/null "$real" "$@" 2>/dev/null ;;
    "-n iter8-system get jobs -o "*)
      echo "JOB IMAGE"
      for job in "$work"/jobs/*.json; do
        python3 -c 'import json, sys; j = json.load(open(sys.argv[1]))
print(j["metadata"]["name"], j["spec"]["template"]["spec"]["containers"][0]["image"])' "$job"
      done ;;
    "-n iter8-system logs job/"*) cat "$work/logs/${4#job/}" ;;
    "delete "*) echo "kubectl $*" >>"$work/deleted" ;;
    *) echo "recording kubectl: not modelled: kubectl $*" >&2; return 1 ;;
  esac
}

# readme_commands FIRST LAST: the kubectl lines of the README's first section from the one
# matching FIRST to the one matching LAST.
readme_commands() {
  sed -n '/^## Switch an existing Iter8 install/,/^## [^S]/p' container/README.md |
    grep '^kubectl ' | sed -n "/$1/,/$2/p"
}

# run_readme FIRST LAST: runs those lines as written, in $work/readme (where container/ is this
# tree's and handler.orig.yaml is written); stops at the first that fails.
run_readme() {
  local line
  while IFS= read -r line; do
    echo "\$ $line"
    (
      kubectl() { readme_kubectl "$@"; }
      cd "$work/readme" && eval "$line"
    ) || {
      echo "README command failed: $line"
      return 1
    }
  done < <(readme_commands "$1" "$2")
}

# Which experiment, service-account folder (the fake's --dir) and rendered install run_job and
# controller_start_fake use; each check sets them.
controller_exp=shop/hello-canary
controller_sa=
controller_rendered=

# controller_serve_site NAME: the site metrics/collect loads, $work/NAME with v1.txt and v2.txt,
# served on 127.0.0.1 at a free port ($site_port; $server_pid, its log $work/NAME.log).
site_port=
controller_serve_site() {
  mkdir -p "$work/$1" || return 1
  echo v1 >"$work/$1/v1.txt"
  echo "version two" >"$work/$1/v2.txt"
  site_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  python3 -m http.server "$site_port" --bind 127.0.0.1 --directory "$work/$1" \
    >"$work/$1.log" 2>&1 &
  server_pid=$!
}

# run_job ACTION [LOOP]: the stand-in controller makes the Job, the stand-in kubelet runs it
# (tests/launch_handler.py run: valueFrom resolved, Secrets read with the control plane's token).
run_job() {
  local job name
  job=$(python3 tests/launch_handler.py job "$controller_rendered" "$controller_exp" "$@") ||
    return 1
  name=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["metadata"]["name"])' "$job")
  printf '%s\n' "$job" >"$work/jobs/$name.json"
  : >"$work/termination/$name"
  chmod 0666 "$work/termination/$name"
  python3 tests/launch_handler.py run "$work/jobs/$name.json" "$controller_sa" \
    "$work/termination/$name" "$(cat "$controller_sa/port")" "$tag" \
    "$controller_sa-control-plane-token" -- "${ENGINE[@]}" run --rm "${ENGINE_LIMITS[@]}" \
    >"$work/logs/$name" 2>&1
  rc=$?
  echo "--- $name: exit $rc"
  tail -n 5 "$work/logs/$name"
}

# controller_start_fake FAKE [OPTIONS...]: bin/fake-apiserver on $controller_sa (the folder the
# pods mount: token, ca.crt, namespace iter8-system, the handlers' account's), with the control
# plane's token outside it, authorizing by the install's RBAC plus $controller_rendered.
controller_start_fake() {
  local fake=$1
  shift
  mkdir -p "$controller_sa"
  "$fake" --dir "$controller_sa" --control-plane-token "$controller_sa-control-plane-token" \
    --rbac tests/install/iter8-v0.7-handler-rbac.yaml --rbac "$controller_rendered" "$@" \
    >"$controller_sa.log" 2>&1 &
  controller_fake_pid=$!
  local tries=0
  until [[ -s $controller_sa/port ]]; do
    ((++tries > 100)) && {
      echo "fake-apiserver did not start"
      cat "$controller_sa.log"
      return 1
    }
    sleep 0.1
  done
  cat "$controller_sa.log"
  echo iter8-system >"$controller_sa/namespace"
  chmod -R a+rX "$controller_sa"
}

controller_stop_fake() {
  [[ -n $controller_fake_pid ]] || return 0
  kill -TERM "$controller_fake_pid" 2>/dev/null
  wait "$controller_fake_pid" 2>/dev/null
  controller_fake_pid=
}

check_controller_shaped() {
  local fake
  fake=$(controller_fake_binary) || { echo "cannot build bin/fake-apiserver"; return 1; }
  mkdir -p "$work/readme" "$work/jobs" "$work/logs" "$work/termination" "$work/sa"
  ln -s "$PWD/container" "$work/readme/container"
  cp container/install/rollback/handler.yaml "$work/cm-handler.yaml"

  # Switch, as the README says.
  run_readme '^kubectl -n iter8-system get configmap.*> handler.orig.yaml' '^kubectl apply -f' ||
    return 1
  cmp "$work/readme/handler.orig.yaml" container/install/rollback/handler.yaml || return 1
  cmp "$work/cm-handler.yaml" container/install/handler.yaml || {
    echo "the patch's handler.yaml differs from container/install/handler.yaml"
    return 1
  }

  # The site metrics/collect loads, and the experiment.
  local port
  controller_serve_site site2 || return 1
  port=$site_port
  cat >"$work/hello-canary.yaml" <<EOF
apiVersion: iter8.tools/v2alpha2
kind: Experiment
metadata: {name: hello-canary, namespace: shop}
spec:
  target: shop/checkout
  strategy:
    testingPattern: Canary
    actions:
      start:
      - run: echo "starting @< .Namespace >@/@< .Name >@"
      - run: '[ "@< .Secret "token" >@" = s3cr3t-hook-value ] && echo "the hook token was read"'
        with: {secret: hooks}
      loop:
      - task: metrics/collect
        with:
          numQueries: 12
          qps: 40
          connections: 2
          versions:
          - {name: checkout-v1, url: "http://127.0.0.1:$port/v1.txt"}
          - {name: checkout-v2, url: "http://127.0.0.1:$port/v2.txt"}
      finish:
      - run: echo finished
      rollback:
      - run: echo "the rollback went wrong" >&2; exit 7
  versionInfo:
    baseline: {name: checkout-v1}
    candidates:
    - {name: checkout-v2}
EOF
  controller_exp=shop/hello-canary controller_sa=$work/sa controller_rendered=$work/applied-k.yaml
  controller_start_fake "$fake" --experiment "shop/hello-canary=$work/hello-canary.yaml" \
    --secret "shop/hooks/token=s3cr3t-hook-value" || { controller_stop_fake; return 1; }

  local failed=0
  run_job start && expect_rc 0 || failed=1
  run_job loop 1 && expect_rc 0 || failed=1
  run_job loop 2 && expect_rc 0 || failed=1
  run_job finish && expect_rc 0 || failed=1
  run_job rollback && expect_rc 1 || failed=1
  kill "$server_pid" 2>/dev/null
  server_pid=
  ((failed == 0)) || { controller_stop_fake; return 1; }

  # The status in the fake, read as the handler reads it.
  python3 - "$work/sa" >"$work/stored.json" <<'PY' || { controller_stop_fake; return 1; }
import ssl, sys, urllib.request
sa = sys.argv[1]
port, token = open(f"{sa}/port").read().strip(), open(f"{sa}/token").read().strip()
request = urllib.request.Request(
    f"https://127.0.0.1:{port}/apis/iter8.tools/v2alpha2/namespaces/shop/experiments/hello-canary",
    headers={"Authorization": f"Bearer {token}"})
context = ssl.create_default_context(cafile=f"{sa}/ca.crt")
sys.stdout.write(urllib.request.urlopen(request, context=context).read().decode())
PY
  controller_stop_fake
  python3 - "$work/stored.json" <<'PY' || return 1
import json, sys
hists = json.load(open(sys.argv[1]))["status"]["analysis"]["aggregatedBuiltinHists"]
for version in ("checkout-v1", "checkout-v2"):
    result = hists["data"][version]
    count, runs = result["DurationHistogram"]["Count"], result.get("Runs")
    print(f"{version}: DurationHistogram.Count {count}, Runs {runs}")
    assert count == 24 and runs == 2, "expected two loops of 12 requests merged"
print("provenance:", hists["provenance"])
PY
  echo "--- rollback termination message:"
  cat "$work/termination/shop-hello-canary-rollback"
  grep -qE '^action rollback, task 0 \(run\): .*status 7' \
    "$work/termination/shop-hello-canary-rollback" || return 1
  if grep -q "s3cr3t-hook-value" "$work/logs"/*; then
    echo "the secret reached a pod log"
    return 1
  fi
  grep -q "the hook token was read" "$work/logs/shop-hello-canary-start" || {
    echo "the start action did not read the secret"
    return 1
  }

  echo "--- requests by permission (fake-apiserver):"
  cat "$work/sa/permissions.txt"
  if [[ -s $work/sa/refusals.txt ]]; then
    echo "refused by the install's RBAC plus container/install/rbac.yaml:"
    cat "$work/sa/refusals.txt"
    return 1
  fi
  grep -qx "get core secrets shop" "$work/sa/permissions.txt" &&
    grep -qx "update iter8.tools experiments/status shop" "$work/sa/permissions.txt" || return 1
  if [[ -s $work/sa/warnings.txt ]]; then
    echo "the API server pruned what the handler wrote:"
    cat "$work/sa/warnings.txt"
    return 1
  fi

  # Check and roll back, as the README says.
  run_readme "grep 'image:'" '^kubectl delete' >"$work/readme.out" 2>&1
  local readme_rc=$?
  cat "$work/readme.out"
  ((readme_rc == 0)) || return 1
  grep -q "image: iter8-handler:$version" "$work/readme.out" &&
    grep -q "shop-hello-canary-loop-2 iter8-handler:$version" "$work/readme.out" &&
    grep -qF "action start: running 2 task(s) of experiment shop/hello-canary (handler $version)" \
      "$work/readme.out" || return 1
  cmp "$work/cm-handler.yaml" container/install/rollback/handler.yaml || return 1
  grep -qx "kubectl delete clusterrolebinding,clusterrole iter8-handlers-cpp" "$work/deleted"
}

# controller_api METHOD PATH: the fake API server's answer (JSON) to the control plane's token,
# which no RBAC limits and permissions.txt does not list.
controller_api() {
  python3 - "$controller_sa" "$controller_sa-control-plane-token" "$1" "$2" <<'PY'
import ssl, sys, urllib.request
sa, token_file, method, path = sys.argv[1:]
port, token = open(f"{sa}/port").read().strip(), open(token_file).read().strip()
request = urllib.request.Request(f"https://127.0.0.1:{port}{path}", method=method,
                                 headers={"Authorization": f"Bearer {token}"})
context = ssl.create_default_context(cafile=f"{sa}/ca.crt")
sys.stdout.write(urllib.request.urlopen(request, context=context).read().decode())
PY
}

# metrics/collect with shards: 2 as an installed controller runs it (docs/scale.md, "Cluster
# mode"): the handler's Job (launch_handler.py, the template's downward-API env resolved) creates
# the shards' Indexed Job in iter8-system; tests/job_controller.py plays the Job controller (two
# pods of the same image, JOB_COMPLETION_INDEX, the service account's token); checked: the merged
# status (exact counts, Shards, ShardsMissing, ShardQPS), the Job and the partials removed, no
# request refused by the install's RBAC plus container/install/rbac.yaml, the credential in the
# collect's headers in no log.
check_controller_sharded() {
  local fake credential=s3cr3t-shard-credential
  fake=$(controller_fake_binary) || { echo "cannot build bin/fake-apiserver"; return 1; }
  mkdir -p "$work/jobs" "$work/logs" "$work/termination" "$work/shard-logs" "$work/shard-jobs"
  kubectl kustomize container/install >"$work/applied-shards.yaml" || return 1
  local port
  controller_serve_site site3 || return 1
  port=$site_port
  # 40 requests per version at 20 qps, split 20 + 20; the header's value stands for a
  # credential: it travels in the shards' TaskSpec and must reach no log.
  cat >"$work/sharded-canary.yaml" <<EOF
apiVersion: iter8.tools/v2alpha2
kind: Experiment
metadata: {name: sharded-canary, namespace: shop}
spec:
  target: shop/checkout
  strategy:
    testingPattern: Canary
    actions:
      loop:
      - task: metrics/collect
        with:
          numQueries: 40
          qps: 20
          connections: 2
          shards: 2
          versions:
          - name: checkout-v1
            url: "http://127.0.0.1:$port/v1.txt"
            headers: {X-Api-Key: $credential}
          - name: checkout-v2
            url: "http://127.0.0.1:$port/v2.txt"
            headers: {X-Api-Key: $credential}
  versionInfo:
    baseline: {name: checkout-v1}
    candidates:
    - {name: checkout-v2}
EOF
  controller_exp=shop/sharded-canary controller_sa=$work/sa-shards
  controller_rendered=$work/applied-shards.yaml
  controller_start_fake "$fake" --experiment "shop/sharded-canary=$work/sharded-canary.yaml" ||
    { controller_stop_fake; return 1; }
  python3 tests/job_controller.py --sa-dir "$controller_sa" \
    --control-plane-token "$controller_sa-control-plane-token" --namespace iter8-system \
    --service-account iter8-system/iter8-handlers --image "$tag" --logs "$work/shard-logs" \
    --jobs "$work/shard-jobs" --run-opts "${ENGINE_LIMITS[*]}" -- "${ENGINE[@]}" \
    >"$work/shard-logs/controller.out" 2>&1 &
  controller_jobs_pid=$!

  run_job loop 1
  local loop_rc=$rc
  kill "$server_pid" 2>/dev/null
  server_pid=
  sleep 1 # the Job controller's last status write or pod stop
  controller_api GET /apis/batch/v1/namespaces/iter8-system/jobs >"$work/jobs-after.json"
  controller_api GET /api/v1/namespaces/iter8-system/configmaps >"$work/maps-after.json"
  controller_api GET /api/v1/namespaces/iter8-system/secrets >"$work/secrets-after.json"
  controller_api GET /apis/iter8.tools/v2alpha2/namespaces/shop/experiments/sharded-canary \
    >"$work/sharded-stored.json"
  kill -TERM "$controller_jobs_pid" 2>/dev/null
  wait "$controller_jobs_pid"
  controller_jobs_pid=
  controller_stop_fake
  echo "--- the Job controller:"
  cat "$work/shard-logs/job-controller.txt" "$work/shard-logs/controller.out"
  for log in "$work/shard-logs"/*-shards-*.log; do
    echo "--- $(basename "$log"):"
    tail -n 4 "$log"
  done
  ((loop_rc == 0)) || { echo "the sharded loop exited $loop_rc"; return 1; }

  python3 - "$work/sharded-stored.json" "$work/shard-logs/job-controller.txt" \
    "$work/shard-jobs" <<'PY' || return 1
import json, re, sys
data = json.load(open(sys.argv[1]))["status"]["analysis"]["aggregatedBuiltinHists"]["data"]
for version in ("checkout-v1", "checkout-v2"):
    result = data[version]
    count = result["DurationHistogram"]["Count"]
    print(f"{version}: Count {count}, RetCodes {result['RetCodes']}, Shards {result['Shards']}, "
          f"ShardsMissing {result['ShardsMissing']}, ShardQPS {result['ShardQPS']}, "
          f"Runs {result['Runs']}")
    assert count == 40 and result["RetCodes"] == {"200": 40}, "expected 40 requests, all 200"
    assert result["Shards"] == 2 and result["ShardsMissing"] == [], "expected both shards merged"
    assert len(result["ShardQPS"]) == 2 and all(q and q > 0 for q in result["ShardQPS"])
    assert result["Runs"] == 1, "one loop is one run, whatever the shards"
pods = re.findall(r"^pod (\S+-shards-\S+) (\d) ", open(sys.argv[2]).read(), re.M)
assert sorted(index for _, index in pods) == ["0", "1"], f"expected pods 0 and 1, ran {pods}"
assert len({job for job, _ in pods}) == 1, "one Job"
# The pod template the handler made from its own pod, through the downward API of
# container/install/handler.yaml: image, account, namespace, resources.
job = json.load(open(f"{sys.argv[3]}/{pods[0][0]}.json"))
pod = job["spec"]["template"]["spec"]
shard = pod["containers"][0]
print("the shards' Job:", job["metadata"]["namespace"], job["spec"]["completions"],
      pod.get("serviceAccountName"), shard["image"], json.dumps(shard["resources"]))
assert job["metadata"]["namespace"] == "iter8-system" and job["spec"]["completions"] == 2
assert pod.get("serviceAccountName") == "iter8-handlers" and shard["image"] == "iter8-handler:0.1.0"
assert shard["resources"] == {"requests": {"cpu": "100m", "memory": "67108864"},
                              "limits": {"memory": "268435456"}}, "handler.yaml's resources"
# The TaskSpec (and the credential in its headers) is in the task Secret, not in the Job.
assert "s3cr3t" not in json.dumps(job), "the TaskSpec is in the Job's spec"
assert pod["volumes"][0]["secret"]["secretName"] == job["metadata"]["name"] + "-task"
assert pod["securityContext"]["runAsUser"] == 65532 and shard["securityContext"][
    "readOnlyRootFilesystem"], "the shard pods run as the handler's pod does"
PY
  python3 - "$work"/{jobs,maps,secrets}-after.json <<'PY' || return 1
import json, sys
for path in sys.argv[1:]:
    left = [item["metadata"]["name"] for item in json.load(open(path))["items"]]
    assert not left, f"left behind: {left}"
print("the shards' Job, its partial ConfigMaps and its task Secret are deleted")
PY
  echo "--- requests by permission (fake-apiserver):"
  cat "$controller_sa/permissions.txt"
  if [[ -s $controller_sa/refusals.txt ]]; then
    echo "refused by the install's RBAC plus container/install/rbac.yaml:"
    cat "$controller_sa/refusals.txt"
    return 1
  fi
  local permission
  for permission in "create batch jobs iter8-system" "delete batch jobs iter8-system" \
    "create core configmaps iter8-system" "get iter8.tools experiments shop"; do
    grep -qx "$permission" "$controller_sa/permissions.txt" || {
      echo "the handler or its shards did not: $permission"
      return 1
    }
  done
  if grep -rl "$credential" "$work/logs" "$work/shard-logs" "$controller_sa.log"; then
    echo "the collect's credential reached a log (above)"
    return 1
  fi
}
