#!/bin/bash
# Run once by the primary's image on its first start: the replica may connect for replication.
set -e
echo "host replication newsroom all scram-sha-256" >>"$PGDATA/pg_hba.conf"
