#!/bin/bash
# The lab's OpenStack (Zed, Debian 12 packages, no systemd): MariaDB, RabbitMQ, Keystone, Glance,
# Placement, Nova (fake compute driver: servers go ACTIVE, nothing runs), Neutron (ML2, no agents),
# all on 127.0.0.1. Idempotent: writes configs, initialises databases once, starts what is not
# running, bootstraps admin/demo, flavors, image `aare-tiny` and external network `public`, waits
# until a compute host can take servers, and writes clouds.yaml (clouds aare-lab = admin,
# aare-lab-demo = demo user in project demo).
#
# Env: AARE_LAB_STATE; KEYSTONE_PORT GLANCE_PORT PLACEMENT_PORT NOVA_PORT NEUTRON_PORT RABBIT_PORT
# RABBIT_DIST_PORT EPMD_PORT; ADMIN_PASS DEMO_PASS SERVICE_PASS.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
HERE="$LAB_DIR/openstack"
lab_init openstack
PY=/usr/bin/python3
H=$LAB_H
export LAB_HOST=$H
export KEYSTONE_PORT="${KEYSTONE_PORT:-5000}" GLANCE_PORT="${GLANCE_PORT:-9292}"
export PLACEMENT_PORT="${PLACEMENT_PORT:-8778}" NOVA_PORT="${NOVA_PORT:-8774}"
export NEUTRON_PORT="${NEUTRON_PORT:-9696}" RABBIT_PORT="${RABBIT_PORT:-5672}"
export RABBIT_DIST_PORT="${RABBIT_DIST_PORT:-25672}" EPMD_PORT="${EPMD_PORT:-4369}"
export ADMIN_PASS="${ADMIN_PASS:-aare-admin-pass}" DEMO_PASS="${DEMO_PASS:-aare-demo-pass}"
export SERVICE_PASS="${SERVICE_PASS:-aare-service-pass}"
DB_PASS="${DB_PASS:-aare-db-pass}"
export COMPUTE_HOST="${COMPUTE_HOST:-aare-compute}"
need_cmd mariadbd mariadb-install-db /usr/lib/rabbitmq/bin/rabbitmq-server uwsgi keystone-manage placement-manage curl
mkdir -p "$S"/{pylib,bin,glance/images,glance/staging,glance/tasks,nova/instances,nova/tmp,neutron/tmp,rabbit}
mkdir -p "$S/etc"/{keystone,glance,placement,nova,neutron/plugins/ml2}

# a port taken by someone else would make a service die with a confusing log: say it up front
for pair in keystone:$KEYSTONE_PORT glance:$GLANCE_PORT placement:$PLACEMENT_PORT nova-api:$NOVA_PORT \
            neutron:$NEUTRON_PORT rabbitmq:$RABBIT_PORT epmd:$EPMD_PORT; do
  if ! running "${pair%%:*}" && port_busy "${pair#*:}"; then
    die "port $H:${pair#*:} (for ${pair%%:*}) is taken by a process that is not this lab's (stop it, or set the *_PORT variables)"
  fi
done

cat > "$S/bin/pymain" <<'EOT'
#!/bin/sh
# pymain MODULE FUNCTION ARGS...: a console script's equivalent on the system python
mod="$1"; fn="$2"; shift 2
exec /usr/bin/python3 -c "import sys; from $mod import $fn as m; sys.argv[0]='$mod'; sys.exit(m())" "$@"
EOT
chmod +x "$S/bin/pymain"
pymain() { "$S/bin/pymain" "$@"; }

MYSOCK="$S/run/mysql.sock"
dburl() { echo "mysql+pymysql://aare:$DB_PASS@localhost/$1?unix_socket=$MYSOCK&charset=utf8"; }
RABBIT_URL="rabbit://guest:guest@$H:$RABBIT_PORT/"
KS_URL="http://$H:$KEYSTONE_PORT"
authtoken() {  # keystonemiddleware / keystoneauth section body for service user $1
  cat <<EOT
www_authenticate_uri = $KS_URL/v3
auth_url = $KS_URL/v3
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $SERVICE_PASS
region_name = RegionOne
EOT
}

# ---------------------------------------------------------------- configs
cat > "$S/etc/keystone/keystone.conf" <<EOT
[DEFAULT]
[database]
connection = $(dburl keystone)
[identity]
# every token request hashes the password: 4 rounds instead of 12 saves ~0.3 s per token
password_hash_rounds = 4
[token]
provider = fernet
[fernet_tokens]
key_repository = $S/etc/keystone/fernet-keys/
[fernet_receipts]
key_repository = $S/etc/keystone/fernet-keys/
[credential]
key_repository = $S/etc/keystone/credential-keys/
EOT

cp "$HERE/etc/glance-api-paste.ini" "$S/etc/glance/glance-api-paste.ini"
cat > "$S/etc/glance/glance-api.conf" <<EOT
[DEFAULT]
bind_host = $H
bind_port = $GLANCE_PORT
workers = 1
enabled_backends = file:file
image_cache_dir = $S/glance/cache
[database]
connection = $(dburl glance)
[glance_store]
default_backend = file
[file]
filesystem_store_datadir = $S/glance/images/
[os_glance_staging_store]
filesystem_store_datadir = $S/glance/staging/
[os_glance_tasks_store]
filesystem_store_datadir = $S/glance/tasks/
[keystone_authtoken]
$(authtoken glance)
[paste_deploy]
flavor = keystone
config_file = $S/etc/glance/glance-api-paste.ini
[oslo_concurrency]
lock_path = $S/glance/lock
[oslo_messaging_notifications]
driver = noop
EOT

cat > "$S/etc/placement/placement.conf" <<EOT
[DEFAULT]
[placement_database]
connection = $(dburl placement)
[api]
auth_strategy = keystone
[keystone_authtoken]
$(authtoken placement)
EOT

cp "$HERE/etc/nova-api-paste.ini" "$S/etc/nova/api-paste.ini"
cat > "$S/etc/nova/nova.conf" <<EOT
[DEFAULT]
host = $COMPUTE_HOST
my_ip = $H
state_path = $S/nova
instances_path = $S/nova/instances
transport_url = $RABBIT_URL
compute_driver = fake.FakeDriver
enabled_apis = osapi_compute
osapi_compute_listen = $H
osapi_compute_listen_port = $NOVA_PORT
osapi_compute_workers = 1
vif_plugging_is_fatal = false
vif_plugging_timeout = 0
heal_instance_info_cache_interval = -1
# periodic tasks (host discovery, resource reports) without the random 0-60 s delay
periodic_fuzzy_delay = 0
[wsgi]
api_paste_config = $S/etc/nova/api-paste.ini
[api]
auth_strategy = keystone
[api_database]
connection = $(dburl nova_api)
[database]
connection = $(dburl nova)
[keystone_authtoken]
$(authtoken nova)
[neutron]
$(authtoken neutron)
[placement]
$(authtoken placement)
[glance]
region_name = RegionOne
[cinder]
os_region_name = RegionOne
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = 2
[quota]
# tests and demos create many servers in many projects
instances = -1
cores = -1
ram = -1
key_pairs = -1
server_groups = -1
server_group_members = -1
metadata_items = -1
[vnc]
enabled = false
[spice]
enabled = false
[oslo_concurrency]
lock_path = $S/nova/tmp
[oslo_messaging_notifications]
driver = noop
[notifications]
notification_format = unversioned
EOT
# nova-compute gets no database credentials (it must go through the conductor)
sed '/^\[api_database\]/,+1d; /^\[database\]/,+1d' "$S/etc/nova/nova.conf" > "$S/etc/nova/nova-cpu.conf"

cp "$HERE/etc/neutron-api-paste.ini" "$S/etc/neutron/api-paste.ini"
cat > "$S/etc/neutron/neutron.conf" <<EOT
[DEFAULT]
bind_host = $H
bind_port = $NEUTRON_PORT
core_plugin = ml2
service_plugins = router
auth_strategy = keystone
transport_url = $RABBIT_URL
api_paste_config = $S/etc/neutron/api-paste.ini
state_path = $S/neutron
allow_overlapping_ips = true
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
dhcp_agent_notification = false
api_workers = 1
rpc_workers = 0
rpc_state_report_workers = 0
[quotas]
quota_network = -1
quota_subnet = -1
quota_port = -1
quota_router = -1
quota_floatingip = -1
quota_security_group = -1
quota_security_group_rule = -1
[database]
connection = $(dburl neutron)
[keystone_authtoken]
$(authtoken neutron)
[oslo_concurrency]
lock_path = $S/neutron/tmp
[oslo_messaging_notifications]
driver = noop
EOT
cat > "$S/etc/neutron/plugins/ml2/ml2_conf.ini" <<EOT
[ml2]
type_drivers = flat,vxlan
tenant_network_types = vxlan
mechanism_drivers = aare_fake
extension_drivers = port_security
[ml2_type_flat]
flat_networks = public
[ml2_type_vxlan]
vni_ranges = 1:10000
EOT
# the ML2 mechanism driver that binds ports without an agent, found through its entry point
cp "$HERE/lib/aare_fake_mech.py" "$S/pylib/"
mkdir -p "$S/pylib/aare_fake_mech-1.0.dist-info"
printf 'Metadata-Version: 2.1\nName: aare-fake-mech\nVersion: 1.0\n' > "$S/pylib/aare_fake_mech-1.0.dist-info/METADATA"
printf '[neutron.ml2.mechanism_drivers]\naare_fake = aare_fake_mech:AareFakeMechanismDriver\n' \
  > "$S/pylib/aare_fake_mech-1.0.dist-info/entry_points.txt"

cat > "$S/rabbit/rabbitmq.conf" <<EOT
listeners.tcp.default = $H:$RABBIT_PORT
loopback_users.guest = true
log.console = true
log.file = false
EOT
echo '[].' > "$S/rabbit/enabled_plugins"
: > "$S/rabbit/rabbitmq-env.conf"
ts "configs written"

# ---------------------------------------------------------------- mariadb + rabbitmq
if [ ! -d "$S/mysql/mysql" ]; then
  rm -rf "$S/mysql"
  mariadb-install-db --no-defaults --datadir="$S/mysql" --user=root \
    --auth-root-authentication-method=socket --skip-test-db > "$S/log/setup-mariadb-install.log" 2>&1 \
    || die_log setup-mariadb-install "mariadb-install-db failed"
  ts "mariadb datadir initialised"
fi
launch mariadb mariadbd --no-defaults --user=root --datadir="$S/mysql" --socket="$MYSOCK" \
  --pid-file="$S/run/mariadbd.internal.pid" --skip-networking --log-error="$S/log/mariadb.log" \
  --innodb-buffer-pool-size=128M --performance-schema=OFF --max-connections=1000 \
  --skip-name-resolve --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
  --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --skip-log-bin

launch epmd epmd -address "$H" -port "$EPMD_PORT"
(
  export HOME="$S/rabbit" ERL_EPMD_PORT="$EPMD_PORT" ERL_EPMD_ADDRESS="$H"
  export RABBITMQ_NODENAME="aare@localhost" RABBITMQ_NODE_IP_ADDRESS="$H" RABBITMQ_NODE_PORT="$RABBIT_PORT"
  export RABBITMQ_DIST_PORT="$RABBIT_DIST_PORT" RABBITMQ_CONFIG_FILE="$S/rabbit/rabbitmq.conf"
  export RABBITMQ_CONF_ENV_FILE="$S/rabbit/rabbitmq-env.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$S/rabbit/enabled_plugins"
  export RABBITMQ_MNESIA_BASE="$S/rabbit/mnesia" RABBITMQ_LOG_BASE="$S/log/rabbit" RABBITMQ_LOGS=-
  export RABBITMQ_PID_FILE="$S/run/rabbit.internal.pid"
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  launch rabbitmq /usr/lib/rabbitmq/bin/rabbitmq-server
)

for i in $(seq 1 240); do
  mariadb-admin --no-defaults -S "$MYSOCK" -uroot ping >/dev/null 2>&1 && break
  running mariadb || die_log mariadb "mariadb died"
  sleep 0.25
done
mariadb --no-defaults -S "$MYSOCK" -uroot <<EOT
CREATE USER IF NOT EXISTS 'aare'@'localhost' IDENTIFIED BY '$DB_PASS';
GRANT ALL PRIVILEGES ON *.* TO 'aare'@'localhost';
CREATE DATABASE IF NOT EXISTS keystone;   CREATE DATABASE IF NOT EXISTS glance;
CREATE DATABASE IF NOT EXISTS placement;  CREATE DATABASE IF NOT EXISTS neutron;
CREATE DATABASE IF NOT EXISTS nova_api;   CREATE DATABASE IF NOT EXISTS nova;
CREATE DATABASE IF NOT EXISTS nova_cell0;
EOT
ts "mariadb up"

# ---------------------------------------------------------------- schemas and API services, in parallel
KCONF="--config-file $S/etc/keystone/keystone.conf"
NCONF="--config-file $S/etc/nova/nova.conf"
QCONF="--config-file $S/etc/neutron/neutron.conf --config-file $S/etc/neutron/plugins/ml2/ml2_conf.ini"
GCONF="--config-file $S/etc/glance/glance-api.conf"
PCONF="--config-file $S/etc/placement/placement.conf"
UWSGI="uwsgi --plugin python3 --master --processes 1 --threads 4 --enable-threads --die-on-term --need-app --buffer-size 65535"
# Keystone in worker processes, one request each: with threads, an application credential created
# while service tokens were being validated in another thread was given a role of that other token
# ("Could not find role assignment with role: service" for the admin, seen once in a full test
# run while nova and neutron validated tokens at the same moment)
UWSGI_KEYSTONE="uwsgi --plugin python3 --master --processes 3 --threads 1 --die-on-term --need-app --buffer-size 65535"
fernet_keys() {  # DIR: what keystone-manage fernet_setup / credential_setup write
  mkdir -p "$1"; chmod 700 "$1"
  for k in 0 1; do head -c 32 /dev/urandom | base64 | tr '+/' '-_' > "$1/$k"; done
  chmod 600 "$1"/*
}
chain_keystone() {
  once keystone-db keystone-manage $KCONF db_sync
  [ -f "$S/done/keystone-keys" ] || { fernet_keys "$S/etc/keystone/fernet-keys"; fernet_keys "$S/etc/keystone/credential-keys"; touch "$S/done/keystone-keys"; }
  once keystone-bootstrap keystone-manage $KCONF bootstrap --bootstrap-password "$ADMIN_PASS" \
    --bootstrap-admin-url "$KS_URL/v3/" --bootstrap-internal-url "$KS_URL/v3/" \
    --bootstrap-public-url "$KS_URL/v3/" --bootstrap-region-id RegionOne
  OS_KEYSTONE_CONFIG_FILES="$S/etc/keystone/keystone.conf" \
    launch keystone $UWSGI_KEYSTONE --http11-socket "$H:$KEYSTONE_PORT" --wsgi-file /usr/bin/keystone-wsgi-public
  wait_http keystone "$KS_URL/v3"
  ts "keystone up"
  # once per port layout (the endpoints in the catalog carry the ports); kept state skips it
  local key="identity-$KEYSTONE_PORT-$GLANCE_PORT-$PLACEMENT_PORT-$NOVA_PORT-$NEUTRON_PORT"
  if [ ! -f "$S/done/$key" ]; then
    "$PY" "$HERE/lib/bootstrap.py" identity >> "$S/log/setup-bootstrap.log" 2>&1 || die_log setup-bootstrap "identity bootstrap failed"
    touch "$S/done/$key"
    ts "identity bootstrapped"
  fi
}
chain_placement() {
  once placement-db placement-manage $PCONF db sync
  OS_PLACEMENT_CONFIG_DIR="$S/etc/placement" \
    launch placement $UWSGI --http11-socket "$H:$PLACEMENT_PORT" --wsgi-file /usr/bin/placement-api
}
chain_glance() {
  once glance-db pymain glance.cmd.manage main $GCONF db_sync
  launch glance "$S/bin/pymain" glance.cmd.api main $GCONF
}
chain_neutron() {
  once neutron-db pymain neutron.db.migration.cli main $QCONF upgrade heads
  PYTHONPATH="$S/pylib" launch neutron "$S/bin/pymain" neutron.cmd.eventlet.server main $QCONF
}
chain_nova() {
  once nova-db "$PY" "$HERE/lib/nova_setup.py" "$(dburl nova_cell0)" $NCONF
  launch nova-api "$S/bin/pymain" nova.cmd.api main $NCONF
}
pids=()
for c in keystone placement glance neutron nova; do chain_$c & pids+=($!); done
for p in "${pids[@]}"; do wait "$p" || die "setup failed (logs in $S/log)"; done
ts "schemas ready, keystone bootstrapped"

# conductor, scheduler and compute check their placement credentials at start: after identity
wait_tcp rabbitmq "$RABBIT_PORT"
ts "rabbitmq up"
launch nova-conductor "$S/bin/pymain" nova.cmd.conductor main $NCONF
launch nova-scheduler "$S/bin/pymain" nova.cmd.scheduler main $NCONF
# nova-compute pings the conductor at start and loses 10 s if nobody listens yet
"$PY" "$HERE/lib/bootstrap.py" rpc:conductor >> "$S/log/setup-bootstrap.log" 2>&1 || die_log nova-conductor "conductor not consuming its queue"
ts "conductor consuming"
launch nova-compute "$S/bin/pymain" nova.cmd.compute main --config-file "$S/etc/nova/nova-cpu.conf"

wait_http placement "http://$H:$PLACEMENT_PORT/"
wait_http glance "http://$H:$GLANCE_PORT/"
wait_http neutron "http://$H:$NEUTRON_PORT/"
wait_http nova-api "http://$H:$NOVA_PORT/"
ts "all APIs answer"
# the marker carries a version: a lab bootstrapped by an older script gets what was added since
if [ ! -f "$S/done/resources-v2" ]; then
  "$PY" "$HERE/lib/bootstrap.py" resources >> "$S/log/setup-bootstrap.log" 2>&1 || die_log setup-bootstrap "resource bootstrap failed"
  touch "$S/done/resources-v2"
  ts "images (aare-tiny and the standard images), flavors m1.tiny..m1.large, network public present"
fi
"$PY" "$HERE/lib/bootstrap.py" wait >> "$S/log/setup-bootstrap.log" 2>&1 || die_log nova-compute "compute host not ready"
# the scheduler maps new compute hosts every 2 s; make sure it happened
n=0
for i in $(seq 1 60); do
  n=$(mariadb --no-defaults -S "$MYSOCK" -uroot -N -e "SELECT COUNT(*) FROM nova_api.host_mappings WHERE host='$COMPUTE_HOST'")
  [ "$n" -ge 1 ] && break
  if [ "$i" = 20 ]; then pymain nova.cmd.manage main $NCONF cell_v2 discover_hosts >> "$S/log/setup-discover.log" 2>&1 || true; fi
  sleep 0.5
done
[ "$n" -ge 1 ] || die_log nova-scheduler "compute host $COMPUTE_HOST never mapped to cell1"
ts "compute host mapped"

# ---------------------------------------------------------------- client configuration
cloud() {  # NAME USER PASSWORD PROJECT
  cat <<EOT
  $1:
    auth:
      auth_url: $KS_URL/v3
      username: $2
      password: $3
      project_name: $4
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    interface: public
    identity_api_version: 3
EOT
}
{ echo "clouds:"; cloud aare-lab admin "$ADMIN_PASS" admin; cloud aare-lab-demo demo "$DEMO_PASS" demo; } > "$S/clouds.yaml.new"
mv "$S/clouds.yaml.new" "$S/clouds.yaml"
cat > "$S/env" <<EOT
OS_CLIENT_CONFIG_FILE=$S/clouds.yaml
OS_CLOUD=aare-lab
AARE_LAB_KEYSTONE=$H:$KEYSTONE_PORT
AARE_LAB_GLANCE=$H:$GLANCE_PORT
AARE_LAB_PLACEMENT=$H:$PLACEMENT_PORT
AARE_LAB_NOVA=$H:$NOVA_PORT
AARE_LAB_NEUTRON=$H:$NEUTRON_PORT
EOT
cat > "$S/endpoints" <<EOT
keystone=$H:$KEYSTONE_PORT
glance=$H:$GLANCE_PORT
placement=$H:$PLACEMENT_PORT
nova-api=$H:$NOVA_PORT
neutron=$H:$NEUTRON_PORT
rabbitmq=$H:$RABBIT_PORT
EOT
ts "ready: clouds.yaml at $S/clouds.yaml (clouds aare-lab = admin, aare-lab-demo = demo)"
