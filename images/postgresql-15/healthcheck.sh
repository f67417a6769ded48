#!/bin/bash
# Healthy when the server accepts connections to the application database.
exec pg_isready --quiet --host=127.0.0.1 --port=5432 --dbname="${DBAAS_DATABASE:-postgres}"
