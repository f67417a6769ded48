#!/bin/bash
# Healthy when the server answers the healthcheck user (no privileges) on its socket.
exec mariadb-admin --defaults-extra-file=/var/lib/mysql/.healthcheck.cnf --connect-timeout=3 ping > /dev/null 2>&1
