#!/bin/bash
# Stops the lab's OpenStack: exactly the processes start.sh recorded in pid files, API and RPC
# services first (in parallel), then the broker and the database.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
lab_init openstack
rm -f "$S/env" "$S/endpoints"
for n in nova-compute nova-scheduler nova-conductor nova-api neutron glance placement keystone; do
  stop_process "$n" &
done
wait
stop_process rabbitmq
stop_process epmd
stop_process mariadb
