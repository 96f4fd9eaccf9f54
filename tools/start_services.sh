#!/usr/bin/env bash
# Start the local MariaDB, PostgreSQL and RabbitMQ when they are down, then
# wait (up to ~30 s each) until they answer. Never fails the caller: it
# prints what it did and what still does not answer, and exits 0.
#
# Database tests skip, with the reason, on a server that does not answer,
# so running this first is what makes them run on MariaDB and PostgreSQL.

WAIT=${WAIT:-30}

answers() {  # host port
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
    return 1
}

wait_for() {  # name host port
    local i
    for ((i = 0; i < WAIT; i++)); do
        if answers "$2" "$3"; then
            echo "$1: answering on $2:$3"
            return 0
        fi
        sleep 1
    done
    echo "$1: still not answering on $2:$3 after ${WAIT}s"
    return 0
}

start() {  # name host port command...
    local name=$1 host=$2 port=$3
    shift 3
    if answers "$host" "$port"; then
        echo "$name: already answering on $host:$port"
        return 0
    fi
    if ! command -v "$1" >/dev/null 2>&1 && [ ! -x "$1" ]; then
        echo "$name: not installed ($1 not found); skipped"
        return 0
    fi
    echo "$name: starting: $*"
    "$@" >/dev/null 2>&1 || echo "$name: start command exited with $?"
    wait_for "$name" "$host" "$port"
}

start_postgresql() {
    local versions
    versions=$(ls /etc/postgresql 2>/dev/null)
    if [ -z "$versions" ]; then
        echo "PostgreSQL: not installed (no /etc/postgresql); skipped"
        return 0
    fi
    start PostgreSQL 127.0.0.1 5432 \
        pg_ctlcluster --skip-systemctl-redirect $versions main start
}

start_mariadb() {
    if [ ! -x /usr/sbin/mariadbd ]; then
        echo "MariaDB: not installed (no /usr/sbin/mariadbd); skipped"
        return 0
    fi
    start MariaDB 127.0.0.1 3306 \
        start-stop-daemon --start --oknodo --background \
        --exec /usr/sbin/mariadbd
}

start_mariadb
start_postgresql
start RabbitMQ 127.0.0.1 5672 rabbitmq-server -detached
exit 0
