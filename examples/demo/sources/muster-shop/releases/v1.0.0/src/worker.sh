#!/bin/sh
# Processes the order queue (release 1.0.0).
echo "muster-shop worker 1.0.0 starting" >&2
exec sleep infinity
