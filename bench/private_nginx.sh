# Sourced by the bench scripts: a private nginx on 127.0.0.1 serving $WORK/www.
#
# start_private_nginx WORK WORKER_CONNECTIONS [PREFIX...]: writes www/small.html ("ok") and
# www/page.html (612 bytes, nginx's default page size), picks a free port, starts nginx under
# PREFIX (e.g. taskset -c 0) and waits until it accepts. Sets PORT and NGINX_PID; the caller's
# cleanup kills NGINX_PID.
start_private_nginx() {
  local work=$1 connections=$2
  shift 2
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$work/www" "$work/logs"
  chmod 755 "$work" "$work/www"  # nginx workers run as nobody when started by root
  head -c 612 /dev/zero | tr '\0' 'x' >"$work/www/page.html"
  printf 'ok\n' >"$work/www/small.html"
  cat >"$work/nginx.conf" <<EOC
daemon off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections $connections; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 60s;
  client_body_temp_path $work/tmp_body;
  proxy_temp_path $work/tmp_proxy;
  fastcgi_temp_path $work/tmp_fastcgi;
  uwsgi_temp_path $work/tmp_uwsgi;
  scgi_temp_path $work/tmp_scgi;
  server {
    listen 127.0.0.1:$PORT;
    root $work/www;
  }
}
EOC
  "$@" nginx -p "$work" -c "$work/nginx.conf" -e "$work/logs/error.log" &
  NGINX_PID=$!
  for _ in $(seq 50); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.1)" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nginx did not start on 127.0.0.1:$PORT (see $work/logs/error.log)" >&2
  return 1
}
