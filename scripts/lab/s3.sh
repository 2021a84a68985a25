#!/usr/bin/env bash
# S3-compatible object store on loopback for the lab: a shared Pulumi state backend (issue 11).
#
# Usage: scripts/lab/s3.sh up|down|env [NAME] [--purge]
#   up    start versitygw (posix backend, LAB_HOME/bin/versitygw, built by scripts/lab/build.sh)
#         on 127.0.0.1:<random free port> with TLS and create the bucket; print the exports
#   down  stop it; --purge also deletes its data, keys and certificates
#   env   print AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_CA_BUNDLE,
#         LAB_S3_ENDPOINT, LAB_S3_BUCKET, LAB_S3_DATA_DIR and LAB_S3_BACKEND_URL (for PULUMI_BACKEND_URL)
# NAME (default s3) keeps instances apart: the faults e2e runs its own.
#
# TLS, not plain http: the backend carries the stack state (secrets encrypted, everything else in
# clear) and the S3 credentials sign every request, so the lab uses what a team would. A private CA
# per instance signs the serving certificate (IP:127.0.0.1); the Pulumi CLI trusts it through
# AWS_CA_BUNDLE, which the AWS SDK reads, so verification stays on.
# Data: LAB_HOME/state/NAME/data/<bucket>/... is the bucket's content as plain files (posix backend).
set -euo pipefail
# shellcheck source=scripts/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ACTION=${1:-}
[[ -n "$ACTION" ]] || lab_bad_usage
shift
NAME=s3
PURGE=0
for a in "$@"; do
  case "$a" in
    --purge) PURGE=1 ;;
    -*) lab_die "unknown option '$a'" ;;
    *) NAME=$a ;;
  esac
done
lab_check_name instance "$NAME"

D="$LAB_STATE/$NAME"
PKI="$D/pki"
BIN="$LAB_BIN/versitygw"
BUCKET=cluster-fleet-state
REGION=us-east-1

ensure_keys() {
  mkdir -p "$PKI"
  chmod 700 "$D" "$PKI"
  if [[ ! -f "$D/credentials.env" ]]; then
    (
      umask 077
      printf 'AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\n' \
        "lab$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')" \
        "$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')" >"$D/credentials.env"
    )
  fi
  lab_new_ca "$PKI" "cluster-fleet-lab-$NAME-ca"
  lab_issue_cert "$PKI" "$PKI/server" "lab-$NAME" serverAuth "IP:127.0.0.1,DNS:localhost"
}

port() {
  [[ -f "$D/port" ]] || lab_pick_port >"$D/port"
  cat "$D/port"
}

cmd_env() {
  [[ -f "$D/port" && -f "$D/credentials.env" ]] || lab_die "s3 instance '$NAME' has never been started"
  local p endpoint
  p=$(cat "$D/port")
  endpoint="https://127.0.0.1:$p"
  # shellcheck source=/dev/null
  source "$D/credentials.env"
  cat <<EOF
export AWS_ACCESS_KEY_ID='$AWS_ACCESS_KEY_ID'
export AWS_SECRET_ACCESS_KEY='$AWS_SECRET_ACCESS_KEY'
export AWS_REGION='$REGION'
export AWS_CA_BUNDLE='$PKI/ca.crt'
export LAB_S3_ENDPOINT='$endpoint'
export LAB_S3_BUCKET='$BUCKET'
export LAB_S3_DATA_DIR='$D/data'
export LAB_S3_BACKEND_URL='s3://$BUCKET?endpoint=$endpoint&s3ForcePathStyle=true&region=$REGION'
EOF
}

# s3_request METHOD PATH: a SigV4-signed request to the store (credentials via stdin, not argv).
s3_request() {
  local p method=(-X "$1")
  [[ "$1" == HEAD ]] && method=(--head)
  p=$(cat "$D/port")
  # shellcheck source=/dev/null
  source "$D/credentials.env"
  printf 'user = "%s:%s"\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" |
    curl -sS --fail-with-body --max-time 10 -K - --cacert "$PKI/ca.crt" \
      --aws-sigv4 "aws:amz:$REGION:s3" \
      -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
      "${method[@]}" "https://127.0.0.1:$p$2"
}

listening() {
  curl -s --max-time 2 --cacert "$PKI/ca.crt" -o /dev/null "https://127.0.0.1:$(cat "$D/port")/"
}

cmd_up() {
  [[ -x "$BIN" ]] || lab_die "versitygw is not built ($BIN missing): run scripts/lab/build.sh versitygw"
  lab_need openssl curl setsid
  mkdir -p "$D/data"
  ensure_keys
  local p i
  p=$(port)
  if ! lab_pid_alive "$D/versitygw.pid" "$BIN"; then
    lab_port_free "$p" || lab_die "port $p is in use; remove $D/port to pick another"
    # The root credentials go through the environment, never the command line.
    (
      set -a
      # shellcheck source=/dev/null
      source "$D/credentials.env"
      set +a
      ROOT_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID ROOT_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
        setsid "$BIN" --port "127.0.0.1:$p" --region "$REGION" \
        --cert "$PKI/server.crt" --key "$PKI/server.key" \
        posix "$D/data" >>"$D/versitygw.log" 2>&1 </dev/null &
      echo $! >"$D/versitygw.pid"
    )
    lab_log "started versitygw (pid $(cat "$D/versitygw.pid"), log $D/versitygw.log)"
  fi
  for ((i = 0; i < 100; i++)); do
    listening && break
    lab_pid_alive "$D/versitygw.pid" "$BIN" || lab_die "versitygw exited; see $D/versitygw.log"
    sleep 0.2
  done
  listening || lab_die "versitygw not answering on 127.0.0.1:$p; see $D/versitygw.log"
  if ! s3_request HEAD "/$BUCKET" >/dev/null 2>&1; then
    s3_request PUT "/$BUCKET" >/dev/null || lab_die "could not create bucket $BUCKET"
  fi
  cmd_env
  lab_log "s3 '$NAME' is up: https://127.0.0.1:$p, bucket $BUCKET (data in $D/data)"
}

cmd_down() {
  lab_stop "$D/versitygw.pid" "$BIN" "versitygw ($NAME)"
  if [[ $PURGE == 1 ]]; then
    rm -rf "$D"
    lab_log "removed state of s3 instance '$NAME' ($D)"
  fi
}

case "$ACTION" in
  up) cmd_up ;;
  down) cmd_down ;;
  env) cmd_env ;;
  *) lab_bad_usage ;;
esac
