#!/bin/sh
# tls_certs.sh DIR: the certificates of the TLS tests, made in DIR with
# openssl: a test CA, and signed by it a server certificate for localhost and
# 127.0.0.1 (server), one for another name (other), an expired one (expired),
# a client certificate (client); and one for localhost from another CA
# (unknown). Each NAME.pem has its key in NAME.key. Valid for two days.
set -e
cd "$1"
quiet() { "$@" >/dev/null 2>&1 || { echo "tls_certs.sh: failed: $*" >&2; exit 1; }; }
ca() {
	quiet openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" -out "$1.pem" \
		-days 2 -subj "/CN=$2"
}
# leaf NAME CN SUBJECTALTNAME DAYS CA; DAYS -1 ends before it begins: expired.
leaf() {
	quiet openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2"
	printf 'subjectAltName=%s\n' "$3" >"$1.ext"
	quiet openssl x509 -req -in "$1.csr" -CA "$5.pem" -CAkey "$5.key" -CAcreateserial \
		-out "$1.pem" -days "$4" -extfile "$1.ext"
	rm -f "$1.csr" "$1.ext"
}
ca ca "vlcnet test CA"
ca other-ca "vlcnet other CA"
leaf server localhost "DNS:localhost,IP:127.0.0.1" 2 ca
leaf other other.example "DNS:other.example" 2 ca
leaf expired localhost "DNS:localhost,IP:127.0.0.1" -1 ca
leaf unknown localhost "DNS:localhost,IP:127.0.0.1" 2 other-ca
leaf client "vlcnet client" "DNS:client" 2 ca
