#!/bin/sh
# Generates TLS material for the kube client tests into DIR (EC P-256, valid 1 day):
#   ca.crt/ca.key          the test CA
#   server.crt/server.key  serving cert for DNS:sim.strata.test only (so connecting to
#                          127.0.0.1 verifies only through tls-server-name)
#   server-ip.crt/.key     serving cert for IP:127.0.0.1 (in-cluster, no tls-server-name)
#   client.crt/client.key  client certificate signed by the CA (clientAuth)
#   wrong-ca.crt           an unrelated CA
set -eu
d=$1
mkdir -p "$d"
cd "$d"
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
openssl req -x509 $ec -keyout ca.key -out ca.crt -days 1 -subj "/CN=strata-test-ca" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    2>/dev/null
openssl req -x509 $ec -keyout wrong-ca.key -out wrong-ca.crt -days 1 \
    -subj "/CN=strata-wrong-ca" 2>/dev/null
openssl req $ec -keyout server.key -out server.csr -subj "/CN=sim.strata.test" 2>/dev/null
printf 'subjectAltName=DNS:sim.strata.test\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 \
    -extfile server.ext -out server.crt 2>/dev/null
openssl req $ec -keyout server-ip.key -out server-ip.csr -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server-ip.ext
openssl x509 -req -in server-ip.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 \
    -extfile server-ip.ext -out server-ip.crt 2>/dev/null
openssl req $ec -keyout client.key -out client.csr -subj "/CN=strata-client/O=system:masters" \
    2>/dev/null
printf 'extendedKeyUsage=clientAuth\n' > client.ext
openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 \
    -extfile client.ext -out client.crt 2>/dev/null
rm -f server.csr server-ip.csr client.csr server.ext server-ip.ext client.ext ca.srl
